"""Outreach lists (DESIGN §6, §8): who to visit, a control group held back, outcomes, the measured effect.

Every function returning households takes a `Viewer`, checks the permission and narrows the
office through `access.office_scope`, so a manager only ever reads their own office. Names,
addresses and phone numbers leave the warehouse only through these functions and the exports.

A list is the top N households of one office by score (after filters); a random share of them,
drawn with a recorded seed, is the control group: kept in the list, never exported for contact,
so conversion among contacted and control households can be compared later from payments.
Households on a list whose scores are less than H months older than the current ones are not
offered again, so a control household is not contacted through a later list while it is measured.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import numpy as np
import pandas as pd
from sqlalchemy import Connection, insert, select, update

from cashless.errors import UserFacingError
from cashless.settings import ModelSettings
from cashless.texts import OUTCOMES
from models.export import build_sheet, sheet_bytes
from models.runs import latest_scores
from models.uplift import detectable_effect, newcombe_interval
from warehouse import access, list_counts, metrics
from warehouse.access import Viewer, office_filter
from warehouse.bulk import fetch_frame
from warehouse.schema import offices, outreach_lists, outreach_members

CANDIDATE_COLUMNS = [
    "customer_key",
    "customer_id",
    "office_code",
    "commune",
    "customer_type",
    "name",
    "address",
    "phone",
    "score",
    "risk_band",
    "reason_1",
    "reason_2",
    "reason_3",
    "reasons_vi",
    "reasons_en",
]


class OutreachError(UserFacingError, ValueError):
    """A list that cannot be made, read or updated as asked."""


def outreach_candidates(
    conn: Connection,
    viewer: Viewer,
    office: str | None = None,
    *,
    communes: list[str] | None = None,
    customer_types: list[str] | None = None,
    bands: list[str] | None = None,
    reasons: list[str] | None = None,
    limit: int | None = None,
    settings: ModelSettings = ModelSettings(),
) -> pd.DataFrame:
    """Scored households not yet on a recent list, highest score first, with their personal data.

    Filters: commune names, customer types, risk bands, reason codes (in a household's top three).
    """
    viewer.require("outreach")
    scope = access.office_scope(viewer, office)
    latest = latest_scores(conn)
    if latest is None:
        return pd.DataFrame(columns=["rank", *CANDIDATE_COLUMNS])
    version, as_of = latest
    listed_since = (pd.Timestamp(as_of) - pd.DateOffset(months=settings.horizon_months)).date()
    conditions = ["s.model_version = :version", "s.as_of = :as_of"]
    params: dict = {"version": version, "as_of": as_of, "listed_since": listed_since}
    conditions.append(office_filter("c.office_code", scope))
    params["office"] = scope
    for column, values, name in (
        ("m.name", communes, "commune"),
        ("c.customer_type", customer_types, "ctype"),
        ("s.risk_band", bands, "band"),
    ):
        if values:
            conditions.append(f"{column} IN ({_placeholders(name, values, params)})")
    if reasons:
        among = _placeholders("reason", reasons, params)
        conditions.append(f"(s.reason_1 IN ({among}) OR s.reason_2 IN ({among}) OR s.reason_3 IN ({among}))")
    # Not correlated: the recently listed keys are read once (members are keyed by list first, so a
    # per-household NOT EXISTS scanned every member for every score: 168 s on the demo's 21 lists)
    conditions.append(
        "s.customer_key NOT IN (SELECT om.customer_key FROM outreach_members om "
        "JOIN outreach_lists ol ON ol.id = om.list_id WHERE ol.as_of > :listed_since)"
    )
    sql = (
        "SELECT s.customer_key, c.customer_id, c.office_code, m.name AS commune, c.customer_type, "
        "c.name, c.address, c.phone, s.score, s.risk_band, s.reason_1, s.reason_2, s.reason_3, "
        "s.reasons_vi, s.reasons_en FROM scores s "
        "JOIN customers c ON c.customer_key = s.customer_key JOIN communes m ON m.id = c.commune_id "
        f"WHERE {' AND '.join(conditions)} ORDER BY s.score DESC, c.customer_id"
    )
    if limit is not None:
        sql += " LIMIT :limit"
        params["limit"] = int(limit)
    frame = fetch_frame(conn, sql, params, columns=CANDIDATE_COLUMNS)
    frame["score"] = frame["score"].astype(float)
    frame.insert(0, "rank", range(1, len(frame) + 1))
    return frame


def _placeholders(name: str, values: list, params: dict) -> str:
    """':name0, :name1, ...' for an IN list, adding the values to `params` (bound, never inlined)."""
    keys = [f"{name}{i}" for i in range(len(values))]
    params.update(dict(zip(keys, values)))
    return ", ".join(f":{k}" for k in keys)


def split_control(offices: pd.Series | np.ndarray, share: float, seed: int) -> np.ndarray:
    """True for the control households: round(share × n) drawn at random within each office."""
    offices = pd.Series(np.asarray(offices, dtype=object))
    control = np.zeros(len(offices), dtype=bool)
    rng = np.random.default_rng(seed)
    for _office, rows in sorted(offices.groupby(offices).indices.items()):
        count = math.floor(share * len(rows) + 0.5)
        control[rng.choice(rows, size=count, replace=False)] = True
    return control


def create_list(
    conn: Connection,
    viewer: Viewer,
    office: str,
    top: int,
    settings: ModelSettings = ModelSettings(),
    seed: int | None = None,
    **filters,
) -> dict:
    """Make a list of the `top` households of `office` and hold back the control share; returns its summary.

    The seed defaults to settings.seed + the list's id, and is recorded with the list.
    """
    viewer.require("outreach")
    scope = access.office_scope(viewer, office)
    if scope is None:
        raise OutreachError("a list is made for one office: choose the office")
    if conn.scalar(select(offices.c.code).where(offices.c.code == scope)) is None:
        raise OutreachError(f"unknown office code '{scope}'")
    if top < 1:
        raise OutreachError("a list needs at least one household")
    latest = latest_scores(conn)
    if latest is None:
        raise OutreachError("no scores yet: run `cashless model train` and `cashless model score`")
    candidates = outreach_candidates(conn, viewer, scope, limit=top, settings=settings, **filters)
    if candidates.empty:
        raise OutreachError(f"no household of {scope} left to list with these filters")
    made = store_list(conn, viewer, scope, candidates, settings, seed, filters)
    made.pop("control_mask")
    return made


def store_list(
    conn: Connection,
    viewer: Viewer,
    office: str,
    candidates: pd.DataFrame,
    settings: ModelSettings = ModelSettings(),
    seed: int | None = None,
    filters: dict | None = None,
) -> dict:
    """Store `candidates` (in visiting order) as a list of `office` with the control share held back.

    The seed defaults to settings.seed + the list's id; the summary carries the control mask.
    """
    latest = latest_scores(conn)
    list_id = conn.execute(
        insert(outreach_lists).values(
            created_at=dt.datetime.now(),
            created_by=viewer.username,
            office_code=office,
            model_version=latest[0],
            as_of=latest[1],
            households=len(candidates),
            control_share=settings.control_share,
            seed=0,
            filters=json.dumps({k: v for k, v in (filters or {}).items() if v}, ensure_ascii=False),
        )
    ).inserted_primary_key[0]
    seed = settings.seed + list_id if seed is None else seed
    conn.execute(update(outreach_lists).where(outreach_lists.c.id == list_id).values(seed=seed))
    control = split_control(candidates["office_code"], settings.control_share, seed)
    conn.execute(
        insert(outreach_members),
        [
            {
                "list_id": list_id,
                "customer_key": int(key),
                "rank": rank,
                "score": float(score),
                "is_control": bool(is_control),
            }
            for rank, (key, score, is_control) in enumerate(
                zip(candidates["customer_key"], candidates["score"], control), start=1
            )
        ],
    )
    list_counts.store_counts(conn, [list_id])
    return {
        "list_id": int(list_id),
        "office_code": office,
        "households": len(candidates),
        "control": int(control.sum()),
        "contacted": int((~control).sum()),
        "seed": int(seed),
        "model_version": latest[0],
        "as_of": latest[1],
        "control_mask": control,
    }


def _list_row(conn: Connection, viewer: Viewer, list_id: int) -> dict:
    """The list's row, if the viewer may see its office (else AccessDenied, or OutreachError if absent)."""
    row = conn.execute(select(outreach_lists).where(outreach_lists.c.id == list_id)).mappings().first()
    if row is None:
        raise OutreachError(f"no outreach list {list_id}")
    access.office_scope(viewer, row["office_code"])
    return dict(row)


def outreach_lists_table(conn: Connection, viewer: Viewer, office: str | None = None) -> pd.DataFrame:
    """The lists the viewer may see, newest first, with their control counts."""
    viewer.require("outreach")
    scope = access.office_scope(viewer, office)
    sql = (
        "SELECT l.id AS list_id, l.created_at, l.created_by, l.office_code, l.model_version, l.as_of, "
        "l.households, SUM(CASE WHEN m.is_control THEN 1 ELSE 0 END) AS control, l.control_share, l.seed "
        f"FROM outreach_lists l JOIN outreach_members m ON m.list_id = l.id WHERE {office_filter('l.office_code', scope)}"
        " GROUP BY l.id, l.created_at, l.created_by, l.office_code, l.model_version, l.as_of, "
        "l.households, l.control_share, l.seed ORDER BY l.id DESC"
    )
    frame = fetch_frame(conn, sql, {"office": scope})
    frame["control"] = pd.to_numeric(frame["control"]).astype("int64")
    frame["created_at"] = pd.to_datetime(frame["created_at"])
    frame["as_of"] = pd.to_datetime(frame["as_of"]).dt.date
    return frame


def list_members(
    conn: Connection, viewer: Viewer, list_id: int, include_control: bool = False
) -> pd.DataFrame:
    """A list's households in rank order with personal data, reasons, assignment and outcome.

    The control group is left out unless asked for (it is never given out for contact).
    """
    viewer.require("outreach")
    row = _list_row(conn, viewer, list_id)
    sql = (
        "SELECT om.list_id, om.rank, om.customer_key, c.customer_id, c.name, c.address, m.name AS commune, "
        "c.phone, c.customer_type, om.score, s.risk_band, s.reason_1, s.reason_2, s.reason_3, "
        "s.reasons_vi, s.reasons_en, om.is_control, om.assigned_to, om.outcome, om.outcome_at, om.outcome_by "
        "FROM outreach_members om JOIN customers c ON c.customer_key = om.customer_key "
        "JOIN communes m ON m.id = c.commune_id "
        "LEFT JOIN scores s ON s.customer_key = om.customer_key AND s.model_version = :version "
        "AND s.as_of = :as_of WHERE om.list_id = :list_id AND c.office_code = :office"
        + ("" if include_control else " AND NOT om.is_control")
        + " ORDER BY om.rank"
    )
    params = {"list_id": list_id, "version": row["model_version"], "as_of": row["as_of"]}
    frame = fetch_frame(conn, sql, params | {"office": row["office_code"]})
    frame["is_control"] = frame["is_control"].astype(bool)
    text = ["phone", "reason_1", "reason_2", "reason_3", "assigned_to", "outcome", "outcome_by"]
    frame[text] = frame[text].astype(object).where(frame[text].notna(), None)
    return frame


def list_sheet(
    conn: Connection, viewer: Viewer, list_id: int, fmt: str, lang: str = "vi"
) -> tuple[bytes, int]:
    """The list's contacted households as XLSX or CSV bytes, and how many (not recorded: see record_export)."""
    viewer.require("export")
    members = list_members(conn, viewer, list_id)
    return sheet_bytes(build_sheet(members, lang), fmt, lang), len(members)


def record_export(
    conn: Connection, viewer: Viewer, list_id: int, fmt: str, file_name: str, rows: int
) -> None:
    """Note in the audit log that the viewer took the list away as a file: who, when, office, rows."""
    viewer.require("export")
    row = _list_row(conn, viewer, list_id)
    access.record(
        conn, viewer, "export", row["office_code"], rows=rows, file=file_name, list_id=list_id, format=fmt
    )


def export_list(
    conn: Connection, viewer: Viewer, list_id: int, fmt: str, file_name: str, lang: str = "vi"
) -> tuple[bytes, int]:
    """The list's contacted households as an XLSX or CSV file's bytes, recorded in the audit log."""
    data, rows = list_sheet(conn, viewer, list_id, fmt, lang)
    record_export(conn, viewer, list_id, fmt, file_name, rows)
    return data, rows


def record_outcomes(conn: Connection, viewer: Viewer, list_id: int, updates: pd.DataFrame) -> int:
    """Set assigned_to and outcome of list members (customer_id, assigned_to, outcome codes); returns rows changed.

    Control households cannot be assigned or given an outcome: they are not to be contacted.
    """
    viewer.require("outreach")
    row = _list_row(conn, viewer, list_id)
    unknown_outcomes = set(updates["outcome"].dropna()) - set(OUTCOMES)
    if unknown_outcomes:
        raise OutreachError(f"unknown outcome(s): {', '.join(sorted(map(str, unknown_outcomes)))}")
    members = fetch_frame(
        conn,
        "SELECT om.customer_key, c.customer_id, om.is_control, om.assigned_to, om.outcome "
        "FROM outreach_members om JOIN customers c ON c.customer_key = om.customer_key "
        "WHERE om.list_id = :list_id",
        {"list_id": list_id},
    ).set_index("customer_id")
    wanted = updates.assign(customer_id=updates["customer_id"].astype(str)).set_index("customer_id")
    strangers = wanted.index.difference(members.index)
    if len(strangers):
        raise OutreachError(f"not on list {list_id}: {', '.join(strangers[:5])}")
    controls = wanted.index[members.loc[wanted.index, "is_control"].astype(bool).to_numpy()]
    touched = wanted.loc[controls]
    if (touched["outcome"].notna() | touched["assigned_to"].notna()).any():
        raise OutreachError(f"control households are not contacted: {', '.join(controls[:5])}")
    now = dt.datetime.now()
    changed = 0
    for customer_id, values in wanted.iterrows():
        before = members.loc[customer_id]
        assigned, outcome = _none(values.get("assigned_to")), _none(values.get("outcome"))
        change = {}
        if assigned != _none(before["assigned_to"]):
            change["assigned_to"] = assigned
        if outcome != _none(before["outcome"]):
            change |= {"outcome": outcome, "outcome_at": now, "outcome_by": viewer.username}
        if change:
            conn.execute(
                update(outreach_members)
                .where(
                    outreach_members.c.list_id == list_id,
                    outreach_members.c.customer_key == int(before["customer_key"]),
                )
                .values(**change)
            )
            changed += 1
    if changed:
        access.record(conn, viewer, "outcomes", row["office_code"], rows=changed, list_id=list_id)
        list_counts.store_counts(conn, [list_id])
    return changed


def _none(value):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = str(value).strip()
    return value or None


def import_outcomes(conn: Connection, viewer: Viewer, sheet: pd.DataFrame) -> dict[int, int]:
    """A returned sheet (models.export.read_returned_sheet) applied list by list; rows changed per list."""
    done = {}
    for list_id, rows in sheet.groupby("list_id", sort=True):
        done[int(list_id)] = record_outcomes(conn, viewer, int(list_id), rows)
    return done


def list_effects(
    conn: Connection, viewer: Viewer, office: str | None = None, measured_on: dt.date | None = None
) -> pd.DataFrame:
    """Per list: conversion of contacted vs control households from payments, and the outcomes recorded.

    A household converted if it is cashless at the end of `measured_on` (default: the last day with
    data); households whose contract ended by then are left out of both groups. The difference comes
    with a 95% Newcombe–Wilson interval and the smallest effect the list can detect (80% power, 5%
    two-sided). Counts only, no personal data, so any role may read them for the offices it sees.
    """
    scope = access.office_scope(viewer, office)
    measured_on = measured_on or metrics.data_period(conn)[1]
    columns = [
        "list_id", "office_code", "created_at", "as_of", "measured_on", "days",
        "contacted", "contacted_converted", "contacted_rate",
        "control", "control_converted", "control_rate", "difference", "ci_low", "ci_high", "detectable",
        *[f"outcome_{code}" for code in OUTCOMES],
    ]  # fmt: skip
    if measured_on is None:
        return pd.DataFrame(columns=columns)
    groups = list_counts.stored_counts(conn, measured_on, scope)
    if groups is None:  # a day other than the last, or counts made before the last refresh
        groups = list_counts.count_members(conn, measured_on, scope)
    if groups.empty:
        return pd.DataFrame(columns=columns)
    return measure_effects(groups, measured_on)[columns]


def measure_effects(groups: pd.DataFrame, measured_on: dt.date) -> pd.DataFrame:
    """Per list from its members counted by group and outcome (list_id, office_code, created_at,
    as_of, is_control, outcome, households, converted)."""
    groups = groups.assign(
        is_control=groups["is_control"].astype(bool),
        households=pd.to_numeric(groups["households"]).astype(int),
        converted=pd.to_numeric(groups["converted"]).astype(int),
    )
    keys = ["list_id", "office_code", "created_at", "as_of"]
    summed = groups.groupby([*keys, "is_control"])[["households", "converted"]].sum()
    by_control = summed.rename(columns={"households": "size", "converted": "sum"}).unstack(fill_value=0)
    counts = by_control.reindex(
        columns=pd.MultiIndex.from_product([["size", "sum"], [False, True]]), fill_value=0
    )
    table = pd.DataFrame(
        {
            "contacted": counts[("size", False)],
            "contacted_converted": counts[("sum", False)],
            "control": counts[("size", True)],
            "control_converted": counts[("sum", True)],
        }
    ).reset_index()
    with np.errstate(invalid="ignore", divide="ignore"):
        p1 = table["contacted_converted"] / table["contacted"]
        p0 = table["control_converted"] / table["control"]
    table["contacted_rate"], table["control_rate"] = p1, p0
    table["difference"] = p1 - p0
    table["ci_low"], table["ci_high"] = newcombe_interval(
        table["contacted_converted"], table["contacted"], table["control_converted"], table["control"]
    )
    pooled = (table["contacted_converted"] + table["control_converted"]) / (
        table["contacted"] + table["control"]
    )
    table["detectable"] = detectable_effect(table["contacted"], table["control"], pooled)
    outcomes = groups.groupby(["list_id", "outcome"])["households"].sum().unstack()
    for code in OUTCOMES:
        table[f"outcome_{code}"] = (
            table["list_id"].map(outcomes[code]).fillna(0).astype(int) if code in outcomes else 0
        )
    table["measured_on"] = measured_on
    as_of = pd.to_datetime(table["as_of"])
    table["days"] = (pd.Timestamp(measured_on) - as_of).dt.days
    table["as_of"] = as_of.dt.date
    table["created_at"] = pd.to_datetime(table["created_at"])
    return table.sort_values("list_id", ascending=False).reset_index(drop=True)
