"""Outreach within capacity (DESIGN §6): each office's visits per week × weeks, given to the households
a visit is expected to convert most, with the control share held back as in every list.

With a cap per office and nothing shared between offices, taking each office's top households by
expected gain is the optimum (the caps do not couple), so no solver is needed. Households are ranked
by the uplift model's expected gain once one exists, by the propensity score before that; the plan
says which.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from cashless.errors import UserFacingError
from cashless.settings import ModelSettings
from models import outreach
from models.export import neutralise
from models.uplift import detectable_effect
from warehouse.access import Viewer, visible_offices

CAPACITY_COLUMNS = ["office_code", "visits_per_week"]
PLAN_COLUMNS = [
    "office_code",
    "week",
    "slot",
    "customer_id",
    "name",
    "address",
    "commune",
    "phone",
    "expected_gain",
    "score",
    "reasons",
    "list_id",
    "ranked_by",
]


class CapacityError(UserFacingError, ValueError):
    """A capacity table that cannot be used (missing column, unknown office, negative visits)."""


def read_capacity(data: bytes, file_name: str, known_offices: list[str]) -> pd.DataFrame:
    """office_code, visits_per_week from a CSV or XLSX; every problem named in one line."""
    try:
        if file_name.lower().endswith((".xlsx", ".xls")):
            table = pd.read_excel(io.BytesIO(data), dtype={"office_code": str}, engine="calamine")
        else:
            table = pd.read_csv(io.BytesIO(data), dtype={"office_code": str}, encoding="utf-8-sig")
    except (ValueError, pd.errors.ParserError) as error:
        raise CapacityError(f"{file_name}: not a readable capacity table ({error})") from None
    table.columns = [str(c).strip().lower() for c in table.columns]
    return check_capacity(table, known_offices, file_name)


def check_capacity(table: pd.DataFrame, known_offices: list[str], source: str = "capacity") -> pd.DataFrame:
    """The capacity table validated: both columns, known offices once each, whole visits ≥ 0."""
    missing = [c for c in CAPACITY_COLUMNS if c not in table.columns]
    if missing:
        raise CapacityError(f"{source}: missing column(s) {', '.join(missing)}")
    table = table[CAPACITY_COLUMNS].copy()
    table["office_code"] = table["office_code"].astype(str).str.strip()
    unknown = sorted(set(table["office_code"]) - set(known_offices))
    if unknown:
        raise CapacityError(f"{source}: unknown office code(s) {', '.join(unknown)}")
    repeated = sorted(table.loc[table["office_code"].duplicated(), "office_code"])
    if repeated:
        raise CapacityError(f"{source}: office(s) given more than once: {', '.join(repeated)}")
    visits = pd.to_numeric(table["visits_per_week"], errors="coerce")
    bad = table.loc[visits.isna() | (visits < 0) | (visits != visits.round()), "office_code"].tolist()
    if bad:
        raise CapacityError(f"{source}: visits_per_week must be a whole number ≥ 0 (office {', '.join(bad)})")
    table["visits_per_week"] = visits.astype("int64")
    return table.reset_index(drop=True)


def list_size(visits: int, control_share: float) -> int:
    """The largest list whose contacted part (after the control share, rounded as split_control) fits `visits`."""
    if visits <= 0:
        return 0
    size = int(visits / (1 - control_share)) + 1 if control_share < 1 else 0
    while size > 0 and size - math.floor(control_share * size + 0.5) > visits:
        size -= 1
    return size


def choose_households(
    candidates: pd.DataFrame, capacity: pd.DataFrame, weeks: int, control_share: float
) -> pd.DataFrame:
    """Each office's top households by `priority` (ties: expected_gain, customer_id): as many as its visits fit.

    candidates: office_code, customer_id, priority, expected_gain, ... Returns them in visiting order.
    """
    if weeks < 1:
        raise CapacityError("a plan needs at least one week")
    sizes = capacity.set_index("office_code")["visits_per_week"] * weeks
    sizes = sizes.map(lambda v: list_size(int(v), control_share))
    ordered = candidates.sort_values(
        ["office_code", "priority", "customer_id"], ascending=[True, False, True], kind="stable"
    )
    position = ordered.groupby("office_code").cumcount()
    keep = position < ordered["office_code"].map(sizes).fillna(0).to_numpy()
    return ordered[keep.to_numpy()].reset_index(drop=True)


def schedule_visits(chosen: pd.DataFrame, is_control: np.ndarray, capacity: pd.DataFrame) -> pd.DataFrame:
    """Week and slot for each contacted household in visiting order (control: none), visits_per_week a week."""
    plan = chosen.assign(is_control=np.asarray(is_control, dtype=bool))
    per_week = plan["office_code"].map(capacity.set_index("office_code")["visits_per_week"])
    contacted = ~plan["is_control"]
    order = plan[contacted].groupby("office_code").cumcount()
    plan["week"] = pd.Series(pd.NA, index=plan.index, dtype="Int64")
    plan["slot"] = pd.Series(pd.NA, index=plan.index, dtype="Int64")
    plan.loc[contacted, "week"] = (order // per_week[contacted] + 1).astype("int64")
    plan.loc[contacted, "slot"] = (order % per_week[contacted] + 1).astype("int64")
    return plan


def pooled_effect(effects: pd.DataFrame) -> float | None:
    """Contacted minus control conversion over all past lists together (None before any control is measured)."""
    if effects.empty or effects["control"].sum() == 0 or effects["contacted"].sum() == 0:
        return None
    return float(
        effects["contacted_converted"].sum() / effects["contacted"].sum()
        - effects["control_converted"].sum() / effects["control"].sum()
    )


def rank_candidates(
    candidates: pd.DataFrame, uplift: pd.Series | None, average_effect: float | None
) -> tuple[pd.DataFrame, str]:
    """Priority and expected gain per household: the uplift model's, else the propensity score's order.

    Without an uplift model every household's expected gain is the average measured effect of past
    lists (unknown before any), since propensity says who is unlikely to switch alone, not who a visit moves.
    """
    if uplift is not None:
        gain = pd.Series(np.asarray(uplift, dtype=float), index=candidates.index)
        return candidates.assign(priority=gain, expected_gain=gain), "uplift"
    gain = np.nan if average_effect is None else average_effect
    return candidates.assign(priority=candidates["score"], expected_gain=gain), "propensity"


def plan_outreach(
    conn: Connection,
    viewer: Viewer,
    capacity: pd.DataFrame,
    weeks: int,
    settings: ModelSettings = ModelSettings(),
    store: bool = True,
    lang: str = "vi",
    use_uplift: bool = True,
) -> tuple[pd.DataFrame, str]:
    """The plan (PLAN_COLUMNS + is_control) for the offices in `capacity` and the ranking used.

    With `store`, each office's households become an outreach list (control held back and recorded),
    so the plan's effect can be measured like any list's. `use_uplift=False` ranks by propensity even
    where an uplift model exists (to compare the two).
    """
    from models.waves import predict_uplift  # the uplift model reads histories: loaded only when planning

    viewer.require("outreach")
    capacity = check_capacity(capacity, visible_offices(conn, viewer)["code"].tolist())
    candidates = outreach.outreach_candidates(conn, viewer, None, settings=settings)
    candidates = candidates[candidates["office_code"].isin(capacity["office_code"])]
    if candidates.empty:
        raise outreach.OutreachError("no scored household left to plan for these offices")
    uplift = predict_uplift(conn, candidates["customer_key"].to_numpy()) if use_uplift else None
    ranked, ranked_by = rank_candidates(
        candidates, uplift, pooled_effect(outreach.list_effects(conn, viewer))
    )
    chosen = choose_households(ranked, capacity, weeks, settings.control_share)
    if chosen.empty:
        raise CapacityError("no visits to plan: give at least one office a number of visits per week")
    parts = []
    for office, rows in chosen.groupby("office_code", sort=True):
        if store:
            made = outreach.store_list(conn, viewer, office, rows, settings, filters={"plan_weeks": weeks})
            control, list_id = made["control_mask"], made["list_id"]
        else:
            control = outreach.split_control(rows["office_code"], settings.control_share, settings.seed)
            list_id = None
        parts.append(schedule_visits(rows, control, capacity).assign(list_id=list_id))
    plan = pd.concat(parts, ignore_index=True)
    plan["reasons"] = plan[f"reasons_{lang}"]
    plan["ranked_by"] = ranked_by
    return plan[[*PLAN_COLUMNS, "is_control"]], ranked_by


def plan_summary(plan: pd.DataFrame, capacity: pd.DataFrame, weeks: int) -> pd.DataFrame:
    """Per office: visits available, planned, held back as control, expected extra conversions, and the
    smallest effect the plan's lists can detect (at the conversion the propensity model expects unvisited)."""
    contacted = plan[~plan["is_control"]]
    summary = capacity.assign(visits_available=capacity["visits_per_week"] * weeks).set_index("office_code")
    summary["visits_planned"] = contacted.groupby("office_code").size()
    summary["control"] = plan[plan["is_control"]].groupby("office_code").size()
    summary["expected_conversions"] = contacted.groupby("office_code")["expected_gain"].sum(min_count=1)
    summary[["visits_planned", "control"]] = summary[["visits_planned", "control"]].fillna(0).astype("int64")
    on_their_own = 1 - plan.groupby("office_code")["score"].mean().reindex(summary.index)
    summary["detectable"] = detectable_effect(summary["visits_planned"], summary["control"], on_their_own)
    return summary.reset_index()


def plan_bytes(plan: pd.DataFrame, fmt: str) -> bytes:
    """The contacted households of the plan as CSV (UTF-8 with BOM) or XLSX, formula-like text neutralised."""
    sheet = plan.loc[~plan["is_control"], PLAN_COLUMNS].copy()
    for column in ("customer_id", "name", "address", "commune", "phone", "reasons"):
        sheet[column] = sheet[column].map(neutralise)
    if fmt == "csv":
        return sheet.to_csv(index=False, lineterminator="\r\n", float_format="%.6f").encode("utf-8-sig")
    if fmt == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(
            buffer, engine="xlsxwriter", engine_kwargs={"options": {"strings_to_formulas": False}}
        ) as book:
            sheet.astype(object).where(sheet.notna(), None).to_excel(book, sheet_name="Plan", index=False)
        return buffer.getvalue()
    raise ValueError(f"format must be csv or xlsx, not '{fmt}'")
