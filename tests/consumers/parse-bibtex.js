// Parse a BibTeX file with citation-js; print the CSL items (id, title) as JSON.
// A syntax error throws (exit 1). Strict mode is off: it checks required fields per type,
// and its BibTeX table has no @misc at all. Used by tests/test_consumers.py.
'use strict'
const fs = require('fs')
const { Cite } = require('@citation-js/core')
require('@citation-js/plugin-bibtex')

const text = fs.readFileSync(process.argv[2], 'utf8')
const items = new Cite(text, { forceType: '@bibtex/text' }).data
process.stdout.write(JSON.stringify(items.map(item => ({ id: item.id, title: item.title }))))
