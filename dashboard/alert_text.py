"""Alerts in sentences, for the overview page, the CLI and the mail (no Streamlit import)."""

from __future__ import annotations

import pandas as pd

from cashless.formatting import fmt_decimal, fmt_int, fmt_rate
from cashless.texts import t
from warehouse.alerts import SlipRule


def alert_sentences(alerts: pd.DataFrame, names: dict[str, str], language: str) -> list[str]:
    """One sentence per alert row of warehouse.alerts.alerts, with the customers still needed."""
    sentences = []
    for row in alerts.itertuples():
        office = names.get(row.office_code, row.office_code)
        kind = t(f"w_kind_{row.period_type}", language) if isinstance(row.period_type, str) else ""
        if row.alert == "target_off_track":
            sentences.append(
                t(
                    "alert_target",
                    language,
                    office=office,
                    kind=kind,
                    period=row.period,
                    projected=fmt_rate(row.projected_rate, language),
                    target=fmt_rate(row.target_rate, language),
                    needed=fmt_int(row.customers_needed, language),
                )
            )
            continue
        sentence = t(
            "alert_slips",
            language,
            office=office,
            slipped=fmt_int(row.slipped_week, language),
            limit=fmt_decimal(row.usual_limit, language, 1),
        )
        if not pd.isna(row.customers_needed):
            sentence += t(
                "alert_slips_needed",
                language,
                needed=fmt_int(row.customers_needed, language),
                kind=kind,
                period=row.period,
            )
        sentences.append(sentence)
    return sentences


def rule_sentence(rule: SlipRule, language: str) -> str:
    """How "off track" and "usual slip-backs" are defined, with the rule's numbers."""
    return t(
        "alert_rule",
        language,
        sds=fmt_decimal(rule.sds, language, 1),
        weeks=rule.weeks,
        min_count=rule.min_count,
    )
