"""The Prefect events a run emits, as plain data: one per run outcome and one per change, so people
can route them with Prefect Automations (Slack, Teams, email blocks) without code.

Names: `tracker.run.completed` / `tracker.run.failed_inputs`; `tracker.indicator.added`,
`.removed`, `.shifted`, `.revised`, `.conflict` (a disagreement between two sources the run started). Resources: the indicator (`tracker.indicator.<key>`, with the
subject as a label), its subject and source as related resources, and the run.
"""

from __future__ import annotations

from tracker.models import Change, RunSummary

MAX_CHANGE_EVENTS = 500  # a first run over a large corpus adds thousands: those are summed up in the run event


def run_resource(run_id: str) -> dict[str, str]:
    return {"prefect.resource.id": f"tracker.run.{run_id}", "prefect.resource.name": f"tracker run {run_id}"}


def run_events(summary: RunSummary, revisions: list[Change] = (), conflicts: list[dict] = (),
               conflicts_started: int | None = None) -> list[dict]:
    """Keyword arguments for prefect.events.emit_event: the run's outcome, then its changes, revisions
    and the conflicts it started (`conflicts` may be the first of `conflicts_started`)."""
    conflicts_started = len(conflicts) if conflicts_started is None else conflicts_started
    changes = [*summary.changes[:MAX_CHANGE_EVENTS], *revisions[:MAX_CHANGE_EVENTS]][:MAX_CHANGE_EVENTS]
    conflicts = list(conflicts)[:max(0, MAX_CHANGE_EVENTS - len(changes))]
    outcome = {
        "event": "tracker.run.failed_inputs" if summary.failures else "tracker.run.completed",
        "resource": run_resource(summary.run_id),
        "payload": {"status": summary.status, "snapshot_id": summary.snapshot_id,
                    "sources_new": summary.sources_new, "sources_changed": summary.sources_changed,
                    "sources_failed": summary.sources_failed, "added": summary.count("added"),
                    "removed": summary.count("removed"), "shifted": summary.count("shifted"),
                    "failures": len(summary.failures),
                    "failed_sources": sorted({f.source_id for f in summary.failures})[:50],
                    "alert_status": summary.alert_status,
                    "revised": len(revisions), "conflicts_started": conflicts_started,
                    "change_events": len(changes) + len(conflicts)},
    }
    return ([outcome] + [change_event(change, summary.run_id) for change in changes]
            + [conflict_event(conflict, summary.run_id) for conflict in conflicts])


def conflict_event(conflict: dict, run_id: str) -> dict:
    """`tracker.indicator.conflict`: two sources state different values for one indicator, subject and period."""
    return {
        "event": "tracker.indicator.conflict",
        "resource": {"prefect.resource.id": f"tracker.indicator.{conflict['indicator']}",
                     "prefect.resource.name": conflict["indicator"], "tracker.subject": conflict["subject"]},
        "related": [
            {"prefect.resource.id": f"tracker.subject.{conflict['subject']}", "prefect.resource.role": "subject",
             "prefect.resource.name": conflict["subject"]},
            *({"prefect.resource.id": f"tracker.source.{conflict[side]}", "prefect.resource.role": "source",
               "prefect.resource.name": conflict[side]} for side in ("source_a", "source_b")),
            {**run_resource(run_id), "prefect.resource.role": "run"},
        ],
        "payload": {key: conflict[key] for key in ("indicator", "subject", "kind", "unit", "period", "source_a",
                                                   "value_a", "source_b", "value_b")},
    }


def change_event(change: Change, run_id: str) -> dict:
    return {
        "event": f"tracker.indicator.{change.change}",
        "resource": {"prefect.resource.id": f"tracker.indicator.{change.indicator}",
                     "prefect.resource.name": change.indicator, "tracker.subject": change.subject},
        "related": [
            {"prefect.resource.id": f"tracker.subject.{change.subject}", "prefect.resource.role": "subject",
             "prefect.resource.name": change.subject},
            {"prefect.resource.id": f"tracker.source.{change.source_id}", "prefect.resource.role": "source",
             "prefect.resource.name": change.source_id},
            {**run_resource(run_id), "prefect.resource.role": "run"},
        ],
        "payload": {"change": change.change, "indicator": change.indicator, "subject": change.subject,
                    "source_id": change.source_id, "old_value": change.old_value, "new_value": change.new_value,
                    "old_period": change.old_period, "new_period": change.new_period, "unit": change.unit,
                    "kind": change.new_kind or change.old_kind, "snapshot_id": change.snapshot_id,
                    "revision_of": change.revision_of},
    }
