"""The subject-access response (UK GDPR Article 15) and the disclosure log, laid out as HTML.

Built from the same parts as the court chronology (``layout``, ``court_chronology``):
the information held is the chronology as the policy released it for subject access,
and the log lists every disclosure, refusal and alert recorded about the child. A log
row about an entry this response does not disclose does not say what that entry was.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hub.documents import layout
from hub.documents.court_chronology import AGENCIES, CourtChronology
from hub.documents.furniture import local_time
from hub.documents.layout import e, facts, grid

ALERT_KINDS = {
    "alert-raised": "alert",
    "alert-unrouted": "alert (unrouted)",
    "alert-escalated": "alert escalation",
    "alert-refused": "alert, refused",
}
NOT_IN_THIS_DOCUMENT = "an entry not disclosed in this document"
KIND_GROUPS = (
    ("unscheduled-care-", "Unscheduled-care (A&E) attendances"),
    ("domestic-abuse-", "Police domestic abuse notifications"),
    ("school-absence", "School absences"),
    ("school-roll-", "School rolls"),
    ("cp-status-", "Child protection and looked-after status"),
)
RIGHTS = (
    "You may ask for inaccurate information to be corrected (Article 16), for information to be "
    "erased or its use restricted where the law allows (Articles 17 and 18), and object to its "
    "use (Article 21). You may complain to the Information Commissioner's Office (ico.org.uk). "
    "The hub raises alerts by rules, but every alert goes to a practitioner who decides what to "
    "do: no decision with legal or similarly significant effect is made by automated means "
    "alone (Article 22)."
)
RETENTION = (
    "The hub keeps each entry as its source agency sent it; entries found wrong are withdrawn "
    "and kept marked, never silently deleted. How long entries are kept is set by the "
    "safeguarding partnership's retention schedule; the hub deletes nothing on its own."
)


def categories(entries: list[dict[str, Any]]) -> list[tuple[str, int]]:
    """Categories of personal data held, from the kinds of the entries disclosed."""
    counts: Counter[str] = Counter()
    for entry in entries:
        kind = str(entry.get("kind"))
        group = next((name for prefix, name in KIND_GROUPS if kind.startswith(prefix)), "Other")
        counts[group] += 1
    return sorted(counts.items())


def sources(entries: list[dict[str, Any]]) -> list[str]:
    """The agencies (and organisations, where disclosed) the information came from."""
    found = set()
    for entry in entries:
        agency = AGENCIES.get(str(entry.get("agency")), str(entry.get("agency")))
        organisation = entry.get("source_organisation")
        found.add(f"{agency} ({organisation})" if organisation else agency)
    return sorted(found)


def log_rows(
    records: list[dict[str, Any]], disclosed_ids: set[str], *, name_recipients: bool
) -> list[str]:
    """Table rows of the disclosure log; ``name_recipients``: the person as well as the role."""
    rows = []
    for record in records:
        to = record.get("recipient") or {}
        whom = f"{to.get('role')}, {to.get('organisation')}"
        if name_recipients:
            whom = f"{to.get('id')} ({whom})"
        about = str(record.get("category"))
        if record.get("event_id") not in disclosed_ids and not about.startswith("child-"):
            about = NOT_IN_THIS_DOCUMENT
        kind = ALERT_KINDS.get(str(record.get("record_kind")), "disclosure")
        basis = record.get("lawful_basis_text") or "none: not shared"
        cells = [
            local_time(str(record.get("recorded_at"))),
            kind,
            whom,
            str(record.get("purpose", "")).replace("-", " "),
            about,
            str(record.get("decision")),
            basis,
            f"{record.get('rule') or '-'} ({record.get('policy_version')})",
        ]
        rows.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    return rows


def disclosure_log(
    records: list[dict[str, Any]], disclosed_ids: set[str], *, name_recipients: bool
) -> str:
    if not records:
        return "<p>The audit log records no disclosure, refusal or alert about this child.</p>"
    return grid(
        ["When", "What", "To", "Purpose", "About", "Decision", "Lawful basis", "Rule (policy)"],
        log_rows(records, disclosed_ids, name_recipients=name_recipients),
        ["11%", "8%", "14%", "9%", "15%", "8%", "20%", "15%"],
    )


def subject_access_body(
    doc: CourtChronology,
    entries: list[dict[str, Any]],
    log: list[dict[str, Any]],
    disclosed_ids: set[str],
    author: str,
    lawful_bases: list[str],
) -> str:
    """An Article 15 response, then the information held and every disclosure and alert.

    Confirmation, purposes and lawful bases, categories, recipients, retention, source
    and rights come first, in the order Article 15 lists them.
    """
    purposes = sorted(
        {
            (str(r.get("purpose", "")).replace("-", " "), str(r.get("lawful_basis_text")))
            for r in log
            if r.get("decision") != "refuse" and r.get("lawful_basis_text")
        }
    )
    recipients = sorted(
        {_role_at(r.get("recipient") or {}) for r in log if r.get("decision") != "refuse"}
    )
    parts = [
        "<h1>Subject access response</h1>",
        facts(
            [
                *layout.identity_facts(doc.identity),
                ("Request", "Right of access, UK GDPR Article 15"),
                ("Prepared by", author),
                ("Entries held and disclosed here", len(doc.rows)),
            ]
        ),
        "<h2>1. Confirmation</h2>",
        "<p>The safeguarding hub holds personal data about this child: the records that "
        "agencies working with children (hospitals, the police, schools and children's social "
        "care) sent to it, joined into one chronology so that the right practitioner learns of "
        "a concern.</p>",
        "<h2>2. Purposes and lawful bases</h2>",
        "<p>The hub processes this information to safeguard children and for their health "
        "and social care, on the lawful bases its information-sharing policy names:</p>",
        _list(lawful_bases),
        "<p>Disclosures about this child so far were made for:</p>",
        _list([f"{p}: {b}" for p, b in purposes] or ["none yet"]),
        "<h2>3. Categories of personal data</h2>",
        _list([f"{name}: {n}" for name, n in categories(entries)] or ["None disclosed"]),
        "<h2>4. Recipients</h2>",
        _list(recipients or ["No one has received information about the child from the hub"]),
        "<h2>5. How long it is kept</h2>",
        f"<p>{e(RETENTION)}</p>",
        "<h2>6. Where it came from</h2>",
        _list(sources(entries) or ["None disclosed"]),
        "<h2>7. Your rights</h2>",
        f"<p>{e(RIGHTS)}</p>",
        "<h2>8. The information held</h2>",
    ]
    parts.append(layout.chronology_sections(doc))
    parts += [
        "<h2>9. Disclosures and alerts about the child</h2>",
        disclosure_log(log, disclosed_ids, name_recipients=False),
        '<p class="small">Information about other people (third parties), and information a '
        "sensitivity label protects, is withheld under the sharing policy; where an entry is "
        "withheld, the log above does not say what it was.</p>",
    ]
    return "".join(parts)


def _list(items: list[str]) -> str:
    return "<ul>" + "".join(f"<li>{e(item)}</li>" for item in items) + "</ul>"


def _role_at(recipient: dict[str, Any]) -> str:
    return f"{recipient.get('role')} at {recipient.get('organisation')}"
