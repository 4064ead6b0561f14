"""Indicator extraction: plain text in, indicator records out (CONTRACT.md section 1).

The extractor reads a document paragraph by paragraph (hard-wrapped lines
joined back, so line wrapping and whitespace never change a record), drops
page boilerplate, splits prose into sentences and clauses, and turns every figure (money, percent,
distance, node size, duration, count, rank) and every dated event without a
figure into one `IndicatorRecord`. Rules are general to the genre; what the
genre's indicators are called lives in catalog.toml.

Where things are, in the order a document goes through them (each module imports only those above it):

- `context`: the intermediate values the modules share (Figure, YearMention, SubjectMention, DocumentContext)
- `cues`: cue words (targets, estimates, growth, events)
- `figures`: numbers, units, years and ranks in a sentence, and the masks for numbers that are not claims
- `layout`: lines, paragraphs, boilerplate, sentences; `has_article_text`
- `subjects`: whose figure it is
- `naming`: indicator keys and labels
- `claims`: sentences to records; the entry point `extract_indicators`
"""

from tracker.extract.claims import ExtractionBudgetExceeded, extract_documents, extract_indicators
from tracker.extract.layout import has_article_text

EXTRACTOR_VERSION = "2.10.0"  # 2.10.0: companies named in full are their short names (catalog [genre.full_names]) and their names' words name no key; 2.9.0: the national figure a regional text compares with is the country's, IC imports, capex, fabs' equipment imports; 2.8.0: tables without outer pipes, company names in full, nationally and ranking scopes, part named after "of that is"; 2.7.0: measure units with spaces in their wording match (the figure pattern is verbose), "times" before a comparison, quadrillion, bullets under a lead, parts of a whole; 2.6.0: one month's flow is `<key>_monthly`, growth on the month (quarter) before `_mom` (`_qoq`); 2.5.0: a growth stated right after a level is that level's, table unit columns, solar, battery and vehicle exports and DRAM/NAND/foundry shares in the catalog, year-to-date is no cumulative total; 2.4.0: an amount with no unit in words naming money takes the document's currency, "¥" in a figure of Japan's is the yen, GWh and MWh are units; 2.3.0: one figure for "both" measures of a list is a record of each; 2.2.0: a second verb without an object measures the first one's ("sold X NEVs and exported Y"), a second object takes the first verb ("imported X of chips and Y of tools"); 2.1.0: lists paired with lists of figures, reporting windows, "fell x% year on year"

__all__ = ["EXTRACTOR_VERSION", "ExtractionBudgetExceeded", "extract_documents", "extract_indicators",
           "has_article_text"]
