"""What a document says about itself: its title and the date it was published.

`published_on` is the date the document itself states, never the time the tracker read it:
in HTML its metadata (`article:published_time` and kin, JSON-LD `datePublished`, microdata,
`<time datetime>`, a byline element), in any text a dateline or a "Published:" / "Updated:" /
"Date:" line near the top. Only a bounded head is read (HEAD_LINES lines, HEAD_CHARS
characters), and only lines shaped like a dateline or a label: a date inside a claim sentence
("by March 12, 2024, China had ...") is never one. Page furniture — comments, profiles,
related-article lists, footers, a site banner's "today" — is skipped, and a date the text
does not state whole (a dateline without a year, with no year stated nearby) is null, never a
guess.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from datetime import date

HEAD_LINES = 15  # non-empty lines of a plain text searched for a dateline or a date label
HEAD_CHARS = 1500
TITLE_MAX_CHARS = 200
MIN_YEAR, MAX_YEAR = 1990, 2100

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
    "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
MONTH = r"(?P<month>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
YEAR = r"(?P<year>(?:19|20)\d\d)"
WEEKDAY = r"(?:(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|sday|nesday|rsday|urday)?\.?,?\s+)?"
TIME = (r"(?:,?\s*(?:at\s+)?\d{1,2}[:.]\d\d(?::\d\d)?(?:\s*[ap]\.?m\.?)?"
        r"(?:\s*\(?(?:utc|gmt|bjt|cst|hkt|est|edt|cet)?\s*(?:[+-]\d{1,2}(?::?\d\d)?)?\)?)?)?")
# Full dates, each as written: ISO (and 2024/03/12, 2024.03.12), Chinese, day-month-year, month-day-year.
DATE_PATTERNS = (
    re.compile(rf"(?<!\d){YEAR}[-/.](?P<m>[01]?\d)[-/.]{DAY}(?!\d)", re.IGNORECASE),
    re.compile(rf"{YEAR}\s*年\s*(?P<m>[01]?\d)\s*月\s*(?P<day>[0-3]?\d)\s*日"),
    re.compile(rf"(?<![\w.]){DAY}\s+(?:of\s+)?{MONTH},?\s+{YEAR}(?!\d)", re.IGNORECASE),
    re.compile(rf"(?<![\w.]){MONTH}\s+{DAY},?\s+{YEAR}(?!\d)", re.IGNORECASE),
)
COMPACT_DATE_RE = re.compile(r"^(?P<year>(?:19|20)\d\d)(?P<m>[01]\d)(?P<day>[0-3]\d)(?:\D|$)")
# A line's whole content is a date (an optional weekday before, a time after).
STANDALONE_RES = tuple(re.compile(rf"^\W*{WEEKDAY}(?:{p.pattern}){TIME}\W*$", re.IGNORECASE) for p in DATE_PATTERNS)
MONTH_YEAR_RE = re.compile(rf"^\W*(?:{MONTH}\s+)?{YEAR}\W*$", re.IGNORECASE)
# "Published: ..." at the start of a line or of a segment after a separator ("Xinhua | Updated: ...").
PUBLISHED_LABELS = (r"(?:first\s+)?published(?:\s+on)?|posted(?:\s+on)?|released(?:\s+on)?|issued(?:\s+on)?|"
                    r"release\s+date|publication\s+date|date\s+of\s+(?:issue|publication|release)|date|dated")
UPDATED_LABELS = r"(?:last\s+)?updated(?:\s+on)?|last\s+modified|modified"
LABEL_RE = re.compile(rf"^\W*(?P<label>{PUBLISHED_LABELS}|{UPDATED_LABELS})\s*[:：]?\s*(?P<rest>.*)$", re.IGNORECASE)
UPDATED_LABEL_RE = re.compile(rf"^(?:{UPDATED_LABELS})$", re.IGNORECASE)
SEGMENT_SEPARATORS_RE = re.compile(r"\s*[|·•]\s*|\s{3,}")
# A dateline: a place in capitals (or any place before an agency or a full date), then the date, then a dash.
PLACE = r"(?P<place>[A-Z][A-Za-z.'’-]*(?:[ /-][A-Z][A-Za-z.'’-]*){0,3}(?:,\s*[A-Z][A-Za-z.]*)?)"
AGENCY = r"(?:\s*\((?P<agency>[^)]{1,40})\)|\s*/(?P<wire>[^/]{1,40})/)?"
DASH = r"\s*(?:--|—|–|-|:)(?:\s|$)"
DATELINE_RES = (
    re.compile(rf"^\s*{PLACE},\s*{MONTH}\s+{DAY}(?:,\s*{YEAR})?{AGENCY}{DASH}", re.IGNORECASE),
    re.compile(rf"^\s*{PLACE},\s*{DAY}\s+{MONTH}(?:,?\s*{YEAR})?{AGENCY}{DASH}", re.IGNORECASE),
)
# Headings that open page furniture: a plain text's head ends there.
FURNITURE_HEADING_RE = re.compile(
    r"^\W*(?:related(?:\s+(?:articles|stories|news|reading|posts))?|more\s+(?:stories|news|from)|read\s+more|"
    r"recommended|popular|trending|most\s+read|comments?|\d+\s+comments?|you\s+may\s+also\s+like|see\s+also)\W*$",
    re.IGNORECASE)
NAVIGATION_LINE_RE = re.compile(r"^\W*(?:skip\s+to|menu|search|home|sign\s+in|log\s+in|subscribe|share|print|"
                                r"advertisement|cookie|we\s+use\s+cookies|by\s+[A-Z])", re.IGNORECASE)

# HTML metadata that names the publication date, strongest first; then the modification date.
PUBLISHED_META = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "publishdate", "publish_date", "publish-date", "pubdate", "publication_date", "publicationdate",
    "firstpublishedtime", "originalpublicationdate", "article.published", "article_date_original",
    "parsely-pub-date", "sailthru.date", "citation_publication_date", "citation_date",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created", "dc.date.created",
    "date", "displaydate",
)
MODIFIED_META = ("article:modified_time", "og:updated_time", "datemodified", "lastmod", "last-modified",
                 "dcterms.modified", "dc.date.modified", "lastpublishedtime")
ARTICLE_TYPES = ("article", "newsarticle", "blogposting", "report", "webpage", "scholarlyarticle",
                 "reportagenewsarticle", "analysisnewsarticle", "pressrelease", "techarticle", "posting",
                 "liveblogposting", "opinionnewsarticle", "backgroundnewsarticle", "creativework", "govermentpermit")
FURNITURE_TAGS = ("aside", "footer", "nav", "form")
FURNITURE_NAME_RE = re.compile(
    r"comment|related|sidebar|widget|footer|profile|author-?bio|recommend|teaser|popular|trending|promo|"
    r"newsletter|more-?stories|read-?more|breadcrumb|menu|nav|share|social|advert|sponsor|cookie|most-?read|"
    r"outbrain|taboola|reply|review|user", re.IGNORECASE)
DATE_ELEMENT_NAME_RE = re.compile(r"(?:^|[-_\s])(?:date|dateline|pubdate|published|publish|timestamp|time|byline|"
                                  r"article-?meta|post-?meta|meta|info|source)(?:$|[-_\s])", re.IGNORECASE)


@dataclass(frozen=True)
class Masthead:
    """What a document states about itself."""

    title: str | None
    published_on: date | None


NO_MASTHEAD = Masthead(title=None, published_on=None)


def read_masthead(raw: bytes, media_type: str, text: str | None) -> Masthead:
    """The title and publication date a document states: HTML from its markup (then the
    extracted text's head), any other format from its text's head."""
    if media_type == "text/html":
        html_head = _html_masthead(raw)
        from_text = text_masthead(text or "")
        return Masthead(title=html_head.title or from_text.title,
                        published_on=html_head.published_on or from_text.published_on)
    return text_masthead(text or "")


def with_listing(masthead: Masthead, listing) -> Masthead:
    """A page's title and date when a feed entry (tracker.models.FeedEntry) listed it: the entry's
    first, the page's own where the entry states none. A feed states them as data; a page's markup
    is read by rules that can miss."""
    if listing is None:
        return masthead
    return Masthead(title=listing.title or masthead.title, published_on=listing.published_on or masthead.published_on)


def with_masthead(document):
    """A Document (tracker.models) with the title and date its bytes, text and listing state, read afresh."""
    masthead = with_listing(read_masthead(document.raw, document.media_type, document.text), document.listing)
    return dataclasses.replace(document, title=masthead.title, published_on=masthead.published_on)


# --- dates ----------------------------------------------------------------------------


def _date_of(match: re.Match) -> date | None:
    groups = match.groupdict()
    month = groups.get("m")
    month_number = int(month) if month else MONTHS.get((groups.get("month") or "").lower().rstrip("."))
    try:
        year = int(groups["year"])
        found = date(year, month_number, int(groups["day"]))
    except (TypeError, ValueError, KeyError):
        return None
    return found if MIN_YEAR <= year <= MAX_YEAR else None


def parse_date(value: str) -> date | None:
    """The first full date a short value states (metadata content, a label's rest); None if none."""
    value = value.strip()
    compact = COMPACT_DATE_RE.match(value)
    if compact:
        return _date_of(compact)
    found = [(m.start(), d) for p in DATE_PATTERNS for m in p.finditer(value) if (d := _date_of(m))]
    return min(found)[1] if found else None


def standalone_date(line: str) -> date | None:
    """The date a line states when the date (with weekday and time) is all it says."""
    for pattern in STANDALONE_RES:
        match = pattern.match(line.strip())
        if match:
            return _date_of(match)
    return None


# --- plain text -----------------------------------------------------------------------


def head_lines(text: str) -> list[str]:
    """The first non-empty lines of a text, bounded, up to a furniture heading ("Related articles")."""
    lines = []
    head = text[:HEAD_CHARS]
    if len(text) > HEAD_CHARS and text[HEAD_CHARS - 1:HEAD_CHARS + 1].strip():
        head = head.rsplit("\n", 1)[0]  # the bound cut a line short: drop the stub
    for line in head.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if FURNITURE_HEADING_RE.match(stripped):
            break
        lines.append(stripped)
        if len(lines) == HEAD_LINES:
            break
    return lines


def text_masthead(text: str) -> Masthead:
    lines = head_lines(text)
    return Masthead(title=text_title(lines), published_on=text_published_on(lines))


def text_published_on(lines: list[str]) -> date | None:
    """Labelled publication date, else a dateline, else a line that is only a date, else an update label."""
    published, updated, standalone, datelines = [], [], [], []
    for line in lines:
        if line.startswith("|"):
            continue  # a table row: its dates are data
        for segment in SEGMENT_SEPARATORS_RE.split(line):
            label = LABEL_RE.match(segment)
            if label:
                found = standalone_date(label["rest"]) or _leading_date(label["rest"])
                if found:
                    (updated if UPDATED_LABEL_RE.match(label["label"]) else published).append(found)
                continue
            found = standalone_date(segment)
            if found:
                standalone.append(found)
        dateline = _dateline(line)
        if dateline is not None:
            datelines.append(dateline)
    stated = published + standalone + updated
    for month, day, year in datelines:
        if year is not None:
            return _safe_date(year, month, day) or None
        # No year in the dateline: only a year the head states outright completes it
        completed = _complete_year(month, day, stated, lines)
        if completed:
            return completed
    if published:
        return published[0]
    if standalone:
        return standalone[0]
    return updated[0] if updated else None


def _leading_date(rest: str) -> date | None:
    """A label's date when it opens what follows the label ("Published: 5 June 2024, 09:40 ...")."""
    for pattern in DATE_PATTERNS:
        match = pattern.match(rest)
        if match:
            return _date_of(match)
    return None


def _dateline(line: str) -> tuple[int, int, int | None] | None:
    for pattern in DATELINE_RES:
        match = pattern.match(line)
        if not match:
            continue
        place = match["place"].split(",")[0]
        if not all(word[:1].isupper() for word in re.split(r"[ /-]", place) if word):
            continue  # "the ministry said, March 5, 2025 - ..." is a sentence
        has_year, has_agency = match["year"] is not None, bool(match["agency"] or match["wire"])
        if not (place.upper() == place or has_year or has_agency):
            continue  # "China, March 12 - ..." is a sentence, not a dateline
        month = MONTHS.get(match["month"].lower().rstrip("."))
        return month, int(match["day"]), int(match["year"]) if has_year else None
    return None


def _complete_year(month: int, day: int, stated: list[date], lines: list[str]) -> date | None:
    """The year of a yearless dateline, from a full date the head states (the dateline's date on or
    before it: a story dated Dec. 31 and updated Jan. 2 is from the earlier year) or from a line that
    is only a year or a month and year."""
    for reference in stated:
        for year in (reference.year, reference.year - 1):
            candidate = _safe_date(year, month, day)
            if candidate and candidate <= reference and (reference - candidate).days <= 31:
                return candidate
    for line in lines:
        match = MONTH_YEAR_RE.match(line)
        if match and (match["month"] is None or MONTHS.get(match["month"].lower().rstrip(".")) == month):
            return _safe_date(int(match["year"]), month, day)
    return None


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def text_title(lines: list[str]) -> str | None:
    """The first heading-like line: a few words, not navigation, a date, a label or body text."""
    for line in lines:
        candidate = line.lstrip("#").strip()
        words = candidate.split()
        if line.startswith(("|", "•", "*", "-", "–")) or NAVIGATION_LINE_RE.match(candidate):
            continue
        if len(words) < 4 or len(words) > 25 or len(candidate) > TITLE_MAX_CHARS:
            continue
        if _dateline(candidate) or any(standalone_date(s) or LABEL_RE.match(s) and parse_date(s)
                                       for s in SEGMENT_SEPARATORS_RE.split(candidate)):
            continue
        if candidate.endswith((".", ";", ",")) and len(words) > 12:
            continue  # body text, not a heading
        return candidate
    return None


# --- HTML -----------------------------------------------------------------------------


def _html_masthead(raw: bytes) -> Masthead:
    import lxml.html  # trafilatura's parser: already installed, loaded only for HTML

    try:
        tree = lxml.html.fromstring(raw.decode("utf-8", errors="replace"))
    except (ValueError, lxml.etree.ParserError):
        return NO_MASTHEAD
    metas = _meta_contents(tree)
    published_on = (
        _first_date(metas.get(key, []) for key in PUBLISHED_META)
        or _json_ld_date(tree)
        or _microdata_date(tree)
        or _time_element_date(tree)
        or _date_element_date(tree)
    )
    if published_on is None:
        published_on = _first_date(metas.get(key, []) for key in MODIFIED_META)
    return Masthead(title=_html_title(tree, metas), published_on=published_on)


def _meta_contents(tree) -> dict[str, list[str]]:
    metas: dict[str, list[str]] = {}
    for meta in tree.iter("meta"):
        key = meta.get("property") or meta.get("name") or meta.get("itemprop") or meta.get("http-equiv")
        content = meta.get("content")
        if key and content and not _in_furniture(meta):
            metas.setdefault(key.strip().lower(), []).append(content.strip())
    return metas


def _first_date(groups) -> date | None:
    for values in groups:
        for value in values:
            found = parse_date(value)
            if found:
                return found
    return None


def _json_ld_date(tree) -> date | None:
    """datePublished of the page's article (top-level or @graph objects), never of a comment."""
    for script in tree.iter("script"):
        if (script.get("type") or "").strip().lower() != "application/ld+json" or not script.text:
            continue
        try:
            data = json.loads(script.text)
        except ValueError:
            continue
        items = data if isinstance(data, list) else [data]
        items = [x for item in items if isinstance(item, dict) for x in [item, *item.get("@graph", [])]]
        for item in items:
            if not isinstance(item, dict):
                continue
            types = item.get("@type", [])
            types = [types] if isinstance(types, str) else types if isinstance(types, list) else []
            if types and not any(str(t).lower() in ARTICLE_TYPES for t in types):
                continue
            for key in ("datePublished", "dateCreated", "uploadDate"):
                value = item.get(key)
                if isinstance(value, str) and (found := parse_date(value)):
                    return found
    return None


def _microdata_date(tree) -> date | None:
    for element in tree.xpath("//*[@itemprop='datePublished']"):
        if _in_furniture(element) or element.xpath("ancestor::*[contains(@itemtype, 'Comment')]"):
            continue
        value = element.get("content") or element.get("datetime") or element.text_content()
        found = parse_date(value or "")
        if found:
            return found
    return None


def _time_element_date(tree) -> date | None:
    """The first `<time>` of the article (one marked pubdate first), outside furniture."""
    times = [t for t in tree.iter("time") if not _in_furniture(t)]
    marked = [t for t in times if t.get("pubdate") is not None]
    in_article = [t for t in times if t.xpath("ancestor::article or ancestor::main")]
    for element in marked + in_article + times:
        found = parse_date(element.get("datetime") or "") or standalone_date(element.text_content() or "")
        if found:
            return found
    return None


def _date_element_date(tree) -> date | None:
    """A short byline or date element ("Published: 12 March 2024", "2024-03-12 09:30"), outside furniture."""
    for element in tree.xpath("//*[@class or @id]"):
        names = f"{element.get('class') or ''} {element.get('id') or ''}"
        if not DATE_ELEMENT_NAME_RE.search(names) or _in_furniture(element):
            continue
        content = " ".join((element.text_content() or "").split())
        if not content or len(content) > 120:
            continue
        found = text_published_on([content])
        if found:
            return found
    return None


def _in_furniture(element) -> bool:
    """Inside an aside, footer, nav or form, a site header, or an element named for comments,
    related items, profiles, sidebars and the like."""
    node = element
    while node is not None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if tag in ("body", "html", "head"):
            return False  # a page's body classes ("has-sidebar") say nothing about one element
        if tag in FURNITURE_TAGS:
            return True
        if tag == "header" and not node.xpath("ancestor::article or ancestor::main"):
            return True
        names = f"{node.get('class') or ''} {node.get('id') or ''}"
        if names.strip() and FURNITURE_NAME_RE.search(names):
            return True
        node = node.getparent()
    return False


def _html_title(tree, metas: dict[str, list[str]]) -> str | None:
    for value in metas.get("og:title", []) + metas.get("twitter:title", []):
        if value.strip():
            return " ".join(value.split())[:TITLE_MAX_CHARS]
    title = tree.find(".//title")
    if title is not None and (title.text_content() or "").strip():
        return " ".join(title.text_content().split())[:TITLE_MAX_CHARS]
    for heading in tree.iter("h1"):
        if not _in_furniture(heading) and (heading.text_content() or "").strip():
            return " ".join(heading.text_content().split())[:TITLE_MAX_CHARS]
    return None
