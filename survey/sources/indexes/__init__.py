"""The citation indexes survey asks (sources layer): OpenAlex, Semantic Scholar and
OpenCitations. These modules are the only ones of survey that talk to the network; they
share one bounded HTTP client with an on-disk answer cache (`http`) and one work record
(`records`)."""
