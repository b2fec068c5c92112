"""Reading the inputs: BibTeX (and the LaTeX in it), notes, citations files, the
manifest, and the clients of the citation indexes (indexes/)."""
