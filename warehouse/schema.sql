-- The tracker's warehouse. Every statement is idempotent: store.py runs this file on each connect.

create sequence if not exists version_id_seq;
create sequence if not exists failure_id_seq;
create sequence if not exists alert_id_seq;

create table if not exists runs (
    run_id             varchar primary key,
    started_at         timestamptz not null,
    finished_at        timestamptz,
    status             varchar not null,      -- running, succeeded, failed_inputs, crashed, error
    pid                integer,
    seeds_dir          varchar,
    sources_file       varchar,
    snapshot_id        integer,
    sources_new        integer default 0,
    sources_changed    integer default 0,
    sources_unchanged  integer default 0,
    sources_failed     integer default 0,
    sources_missing    integer default 0,
    records_added      integer default 0,
    records_removed    integer default 0,
    records_shifted    integer default 0,
    failures           integer default 0,
    error              varchar
);

create table if not exists snapshots (
    snapshot_id        integer primary key,
    run_id             varchar,
    created_at         timestamptz not null,
    extractor_version  varchar not null,
    cause              varchar not null       -- source, extractor (replay), retire
);

-- documents, document_archive and source_state carry no primary key: DuckDB keeps one as an ART
-- index that every insert, upsert and checkpoint pays for (store.py keeps the keys unique by
-- inserting only what is absent). Warehouses created with the keys keep them; both work.
create table if not exists documents (
    source_id          varchar not null,
    content_hash       varchar not null,
    media_type         varchar not null,
    byte_size          bigint not null,
    raw_text           varchar not null,
    first_seen_at      timestamptz not null,
    first_snapshot_id  integer not null,    -- unique: (source_id, content_hash)
    title              varchar,             -- what the document calls itself (tracker/published.py)
    published_on       date                 -- the date the document states; null when it states none
);
-- Warehouses made before documents had a title and a publication date gain the columns (null
-- until `tracker replay` or a new version of the source reads them).
alter table documents add column if not exists title varchar;
alter table documents add column if not exists published_on date;

-- Raw bytes of every document version, content-addressed, so any past state can be re-extracted.
create table if not exists document_archive (
    content_hash       varchar not null,      -- unique
    raw_bytes          blob not null
);

-- What the tracker knows of each source now: its current content, fetch validators, retirement.
-- content_hash is stored uncompressed: a run that reads changed sources updates it in place, and
-- the checkpoint then rewrites the whole column; compressing random sha256 hex (one distinct value
-- per source) saves about 30 bytes a source but makes that rewrite several times slower (100,000
-- sources: ~40 ms of every commit). Warehouses created before keep the compressed column; both work.
create table if not exists source_state (
    source_id          varchar not null,      -- unique
    location           varchar,               -- path or URL; null when only replayed
    content_hash       varchar using compression uncompressed,
    etag               varchar,
    last_modified      varchar,
    last_read_at       timestamptz,
    retired_at         timestamptz
);

-- Feeds and sitemaps (sources file: `feed URL`, `sitemap URL`): what was last read of each, for
-- conditional GETs and for "the same bytes again" when a server ignores them.
create table if not exists feeds (
    feed_url           varchar not null,      -- unique
    kind               varchar not null,      -- feed, sitemap
    name               varchar,               -- from a sources.toml
    title              varchar,               -- what the feed calls itself
    parent_url         varchar,               -- a sitemap listed by this sitemap index
    etag               varchar,
    last_modified      varchar,
    content_hash       varchar,               -- of the last body read
    last_fetched_at    timestamptz,
    last_status        varchar                -- changed, not_modified, unchanged, failed, not_fetched
);

-- Every entry a feed or sitemap listed: the page it links to, what the listing says of it, and the
-- page's source id once fetched (its canonical URL after redirects). Kept when an entry drops off
-- the feed, so its page is still listed, never missing.
create table if not exists feed_entries (
    feed_url           varchar not null,      -- unique with entry_url
    entry_url          varchar not null,      -- canonical: fragment and tracking parameters dropped
    entry_kind         varchar not null,      -- page; sitemap (an index's child)
    source_id          varchar,               -- null until its page was read
    title              varchar,
    published_on       date,
    version            varchar,               -- updated / lastmod as stated: a new one re-fetches the page
    first_seen_at      timestamptz not null,
    last_seen_at       timestamptz not null
);

-- One listing's part of one run: entries seen, new, pages fetched and failed (the summary's feed lines).
create table if not exists feed_runs (
    run_id             varchar not null,
    feed_url           varchar not null,
    status             varchar not null,
    entries_seen       integer not null,
    entries_new        integer not null,
    pages_fetched      integer not null,
    pages_failed       integer not null,
    deferred           integer not null,      -- over the per-run cap: fetched by a later run
    too_old            integer not null,      -- before the cut-off: not fetched
    error              varchar
);

-- robots.txt per host, kept up to robots_cache_s (RFC 9309: a day at most) so an unchanged feed
-- costs one request; unreachable ones (5xx, no answer) are never kept.
create table if not exists robots_files (
    host               varchar not null,      -- unique: scheme://host[:port]
    status             integer,
    body               varchar,
    fetched_at         timestamptz not null
);

create table if not exists indicator_versions (
    version_id         bigint default nextval('version_id_seq'),
    source_id          varchar not null,
    indicator          varchar not null,
    subject            varchar not null,
    mention            integer not null,      -- tells apart mentions of one identity in one source
    label              varchar not null,
    kind               varchar not null,
    value              double,
    unit               varchar,
    period             varchar,
    topic              varchar not null,
    value_text         varchar not null,
    evidence           varchar not null,
    char_start         integer not null,
    char_end           integer not null,
    value_precision    double,
    content_hash       varchar not null,      -- the document version the record was read from
    row_hash           varchar not null,      -- of what versions: value, unit, period, kind
    extractor_version  varchar not null,
    valid_from         timestamptz not null,
    valid_to           timestamptz,
    opened_snapshot    integer not null,
    closed_snapshot    integer,
    open_cause         varchar not null,      -- source, extractor
    close_cause        varchar                -- source, extractor, retire
);

create table if not exists validation_failures (
    failure_id         bigint default nextval('failure_id_seq'),
    run_id             varchar not null,
    created_at         timestamptz not null,
    source_id          varchar not null,
    indicator          varchar,
    check_name         varchar not null,
    reason             varchar not null,
    message            varchar not null,
    offending_value    varchar
);

alter table validation_failures add column if not exists fingerprint varchar;

-- One problem: the same failure (source, check, reason, indicator, value, content hash) across the
-- runs it persists in. Alerted when it first appears, reminded at most once per
-- alert_reminder_interval_s while it persists, announced resolved when its source reads clean or
-- is gone. validation_failures keeps every occurrence.
create table if not exists problems (
    fingerprint        varchar not null,      -- unique while open
    source_id          varchar not null,
    check_name         varchar not null,
    reason             varchar not null,
    indicator          varchar,
    message            varchar not null,      -- as last seen
    first_run_id       varchar not null,
    first_seen_at      timestamptz not null,
    last_seen_at       timestamptz not null,
    runs_seen          integer not null,
    last_alerted_at    timestamptz,           -- first alert or latest reminder
    resolved_at        timestamptz,
    resolved_run_id    varchar
);

create or replace view open_problems as
select fingerprint, source_id, check_name, reason, indicator, message, first_run_id, first_seen_at,
       last_seen_at, runs_seen, last_alerted_at
from problems
where resolved_at is null;

create table if not exists alerts (
    alert_id           bigint default nextval('alert_id_seq'),
    run_id             varchar,
    created_at         timestamptz not null,
    text               varchar not null,
    payload            varchar not null,
    destination        varchar not null,      -- 'webhook sha256:…' (never the URL) or 'none'
    status             varchar not null,      -- sent, failed, not_configured
    attempts           integer not null default 0,
    last_error         varchar,
    delivered_at       timestamptz
);

-- One merge a user made (`tracker alias FROM TO [--subject S]`): records extracted as
-- from_indicator read as to_indicator, for one subject or (subject null) every subject. Applied
-- at read time by every view, so the SCD2 identity in indicator_versions stays the extracted key
-- and a merge survives re-extraction and replay. Unique on (from_indicator, subject): store.py
-- keeps it so, and refuses a merge that would make a cycle.
create table if not exists indicator_aliases (
    from_indicator     varchar not null,
    to_indicator       varchar not null,
    subject            varchar,               -- null: every subject
    created_at         timestamptz not null,
    created_by         varchar,
    note               varchar
);

-- Every merge resolved: for each aliased key and each subject some alias names (plus subject
-- null, meaning every other subject), the key it finally reads as. A subject's own alias wins
-- over a general one at each step; chains (a -> b, b -> c) resolve to the end (a -> c).
-- Views apply it with two left joins, the subject's row first, then the general row:
--   coalesce(ms.to_indicator, mg.to_indicator, v.indicator)
create or replace view indicator_alias_map as
with recursive
alias_subjects as (
    select distinct subject from indicator_aliases where subject is not null
    union all
    select null
),
steps as (
    select s.subject, a.from_indicator, a.to_indicator
    from alias_subjects s
    join indicator_aliases a
      on a.subject = s.subject or a.subject is null
    qualify row_number() over (
        partition by s.subject, a.from_indicator order by a.subject nulls last) = 1
),
walk as (
    select subject, from_indicator, to_indicator, 1 as depth
    from steps
    union all
    select w.subject, w.from_indicator, s.to_indicator, w.depth + 1
    from walk w
    join steps s
      on s.subject is not distinct from w.subject and s.from_indicator = w.to_indicator
    where w.depth < 64                        -- cycles are refused on creation; this only bounds
)
select subject, from_indicator, arg_max(to_indicator, depth) as to_indicator
from walk
group by subject, from_indicator;

create or replace view indicators_current as
select v.source_id,
       coalesce(ms.to_indicator, mg.to_indicator, v.indicator) as indicator,
       v.indicator as extracted_indicator,
       v.label, v.subject, v.kind, v.value, v.unit, v.period, v.topic,
       v.value_text, v.evidence, v.char_start, v.char_end, v.mention, v.value_precision,
       v.content_hash, v.extractor_version, v.valid_from, v.opened_snapshot, v.version_id
from indicator_versions v
left join indicator_alias_map ms on ms.from_indicator = v.indicator and ms.subject = v.subject
left join indicator_alias_map mg on mg.from_indicator = v.indicator and mg.subject is null
where v.valid_to is null;

-- One row per change between consecutive snapshots. A key (source, indicator, subject,
-- mention) opened in a snapshot that also closed it is shifted; opened alone is added;
-- closed alone is removed. Both halves are joins on the snapshot column, so a filter on
-- snapshot_id reaches both sides of each join (zonemaps skip the rest of the table) instead
-- of a NOT EXISTS that reads every version. The pairing is on the extracted key; `indicator`
-- is the key with merges applied, `extracted_indicator` the key as extracted.
create or replace view indicator_changes as
with raw_changes as (
    select n.opened_snapshot as snapshot_id,
           n.valid_from as changed_at,
           n.source_id, n.indicator, n.subject, n.mention, n.label,
           case when o.version_id is null then 'added' else 'shifted' end as change,
           o.value as old_value, n.value as new_value,
           o.unit as old_unit, n.unit as new_unit,
           o.period as old_period, n.period as new_period,
           o.kind as old_kind, n.kind as new_kind,
           n.open_cause as cause,
           n.evidence
    from indicator_versions n
    left join indicator_versions o
      on o.closed_snapshot = n.opened_snapshot
     and o.source_id = n.source_id and o.indicator = n.indicator
     and o.subject = n.subject and o.mention = n.mention
    union all
    select o.closed_snapshot as snapshot_id,
           o.valid_to as changed_at,
           o.source_id, o.indicator, o.subject, o.mention, o.label,
           'removed' as change,
           o.value as old_value, null as new_value,
           o.unit as old_unit, null as new_unit,
           o.period as old_period, null as new_period,
           o.kind as old_kind, null as new_kind,
           o.close_cause as cause,
           o.evidence
    from indicator_versions o
    left join indicator_versions n
      on n.opened_snapshot = o.closed_snapshot
     and n.source_id = o.source_id and n.indicator = o.indicator
     and n.subject = o.subject and n.mention = o.mention
    where o.closed_snapshot is not null
      and n.version_id is null
)
select c.snapshot_id, c.changed_at, c.source_id,
       coalesce(ms.to_indicator, mg.to_indicator, c.indicator) as indicator,
       c.subject, c.mention, c.label, c.change, c.old_value, c.new_value, c.old_unit, c.new_unit,
       c.old_period, c.new_period, c.old_kind, c.new_kind, c.cause, c.evidence,
       c.indicator as extracted_indicator
from raw_changes c
left join indicator_alias_map ms on ms.from_indicator = c.indicator and ms.subject = c.subject
left join indicator_alias_map mg on mg.from_indicator = c.indicator and mg.subject is null;

-- Current disagreements between sources on one concept: the same indicator (merges applied),
-- subject, kind, unit and period. A CNY and a USD figure of one key are never compared.
-- Values that agree once rounded to the coarser one's precision (2.64 vs 2.6) are 'consistent'.
create or replace view indicator_conflicts as
with pairs as (
    select a.indicator, a.subject, a.kind, a.unit, a.period,
           a.source_id as source_a, a.value as value_a, a.value_text as value_text_a,
           b.source_id as source_b, b.value as value_b, b.value_text as value_text_b,
           greatest(coalesce(a.value_precision, 0), coalesce(b.value_precision, 0)) as coarser_precision,
           a.extracted_indicator as extracted_indicator_a, b.extracted_indicator as extracted_indicator_b
    from indicators_current a
    join indicators_current b
      on a.indicator = b.indicator and a.subject = b.subject and a.kind = b.kind
     and a.unit = b.unit and a.period = b.period
     and a.source_id < b.source_id
    where a.value is not null and b.value is not null and a.value <> b.value
)
select *,
       case
           when coarser_precision > 0
            -- in decimal arithmetic from the shortest decimal text, so 2.65 rounds half up as
            -- written, not as the 2.6499… of its binary double
            and round(cast(cast(value_a as varchar) as decimal(38, 9))
                      * cast(cast(1.0 / nullif(coarser_precision, 0) as varchar) as decimal(38, 9)))
              = round(cast(cast(value_b as varchar) as decimal(38, 9))
                      * cast(cast(1.0 / nullif(coarser_precision, 0) as varchar) as decimal(38, 9)))
           then 'consistent'
           else 'conflicting'
       end as status
from pairs;


-- One current statement of an indicator by one source (merges applied, as indicators_current),
-- with what its document states about itself: `title`, `published_on`, and `first_seen` (when
-- the tracker first read that version). `stated_at` places sources in time: the publication
-- date, else first_seen. `period_order` sorts a span (2021-2025) by its end year.
-- A statement is a revision of the latest statement stated strictly earlier by another source
-- for the same indicator, subject, kind and unit when that one gives the same period a different
-- value (beyond the coarser one's rounding: 2.64 after 2.6 is no revision), or, for a target,
-- the same value a different deadline. `revision` is 'value' or 'deadline', `revision_of` the
-- earlier source, `previous_value` / `previous_period` what it said, `revised_in_snapshot` the
-- snapshot from which both statements stood (the one that brought the revision).
create or replace view indicator_timeline as
with statements as (
    select c.indicator, c.extracted_indicator, c.label, c.subject, c.kind, c.value, c.unit, c.period,
           c.topic, c.value_text, c.evidence, c.value_precision, c.source_id, c.mention, c.char_start,
           d.title, d.published_on, d.first_seen_at as first_seen,
           coalesce(cast(d.published_on as timestamptz), d.first_seen_at) as stated_at,
           case when regexp_full_match(c.period, '[0-9]{4}-[0-9]{4}') then right(c.period, 4)
                else c.period end as period_order,
           c.opened_snapshot, c.valid_from
    from indicators_current c
    left join documents d
      on d.source_id = c.source_id and d.content_hash = c.content_hash
),
-- The latest earlier statement is found through the group's distinct moments (a sort and a lag),
-- and what was stated at a moment is one row per value: a self-join over every pair of a group's
-- statements is quadratic when thousands of sources state one figure for one year.
value_moments as (
    select indicator, subject, kind, unit, period, stated_at,
           lag(stated_at) over (partition by indicator, subject, kind, unit, period order by stated_at)
               as previous_at
    from (select distinct indicator, subject, kind, unit, period, stated_at
          from statements where value is not null and period is not null)
),
value_stated as (  -- per moment and value, its first source
    select indicator, subject, kind, unit, period, stated_at, value, value_precision, source_id, opened_snapshot
    from statements
    where value is not null and period is not null
    qualify row_number() over (
        partition by indicator, subject, kind, unit, period, stated_at, value, value_precision
        order by source_id, opened_snapshot) = 1
),
value_pairs as (
    select s.source_id, s.indicator, s.subject, s.mention, s.extracted_indicator,
           e.source_id as revision_of, e.value as previous_value, e.period as previous_period,
           greatest(s.opened_snapshot, e.opened_snapshot) as revised_in_snapshot,
           s.value is distinct from e.value
           and not (greatest(coalesce(s.value_precision, 0), coalesce(e.value_precision, 0)) > 0
                    and round(cast(cast(s.value as varchar) as decimal(38, 9))
                              * cast(cast(1.0 / nullif(greatest(coalesce(s.value_precision, 0), coalesce(e.value_precision, 0)), 0) as varchar) as decimal(38, 9)))
                      = round(cast(cast(e.value as varchar) as decimal(38, 9))
                              * cast(cast(1.0 / nullif(greatest(coalesce(s.value_precision, 0), coalesce(e.value_precision, 0)), 0) as varchar) as decimal(38, 9))))
           as differs
    from statements s
    join value_moments m
      on m.indicator = s.indicator and m.subject = s.subject and m.kind = s.kind
     and m.unit is not distinct from s.unit and m.period = s.period and m.stated_at = s.stated_at
    join value_stated e
      on e.indicator = s.indicator and e.subject = s.subject and e.kind = s.kind
     and e.unit is not distinct from s.unit and e.period = s.period and e.stated_at = m.previous_at
    where s.value is not null
    qualify row_number() over (
        partition by s.source_id, s.indicator, s.subject, s.mention, s.extracted_indicator
        order by differs, e.source_id, e.value) = 1  -- a tie within one source: its lower value
),
deadline_moments as (
    select indicator, subject, unit, value, stated_at,
           lag(stated_at) over (partition by indicator, subject, unit, value order by stated_at) as previous_at
    from (select distinct indicator, subject, unit, value, stated_at
          from statements where kind = 'target' and period is not null)
),
deadline_stated as (  -- per moment and deadline, its first source
    select indicator, subject, unit, value, stated_at, period, source_id, opened_snapshot
    from statements
    where kind = 'target' and period is not null
    qualify row_number() over (
        partition by indicator, subject, unit, value, stated_at, period order by source_id, opened_snapshot) = 1
),
deadline_pairs as (
    select s.source_id, s.indicator, s.subject, s.mention, s.extracted_indicator,
           e.source_id as revision_of, e.value as previous_value, e.period as previous_period,
           greatest(s.opened_snapshot, e.opened_snapshot) as revised_in_snapshot,
           e.period is distinct from s.period as differs
    from statements s
    join deadline_moments m
      on m.indicator = s.indicator and m.subject = s.subject and m.unit is not distinct from s.unit
     and m.value is not distinct from s.value and m.stated_at = s.stated_at
    join deadline_stated e
      on e.indicator = s.indicator and e.subject = s.subject and e.unit is not distinct from s.unit
     and e.value is not distinct from s.value and e.stated_at = m.previous_at
    where s.kind = 'target' and s.period is not null
    qualify row_number() over (
        partition by s.source_id, s.indicator, s.subject, s.mention, s.extracted_indicator
        order by differs, e.source_id, e.period) = 1  -- a tie within one source: its lower period
)
select s.source_id, s.indicator, s.subject, s.kind, s.value, s.unit, s.period,
       s.published_on, s.first_seen, s.title, s.evidence, s.value_text, s.label, s.topic,
       s.extracted_indicator, s.mention, s.char_start, s.stated_at, s.period_order,
       case when vp.differs then 'value' when dp.differs then 'deadline' end as revision,
       case when vp.differs then vp.revision_of when dp.differs then dp.revision_of end as revision_of,
       case when vp.differs then vp.previous_value when dp.differs then dp.previous_value end as previous_value,
       case when vp.differs then vp.previous_period when dp.differs then dp.previous_period end as previous_period,
       case when vp.differs then vp.revised_in_snapshot when dp.differs then dp.revised_in_snapshot end
           as revised_in_snapshot,
       s.opened_snapshot, s.valid_from
from statements s
left join value_pairs vp using (source_id, indicator, subject, mention, extracted_indicator)
left join deadline_pairs dp using (source_id, indicator, subject, mention, extracted_indicator);
