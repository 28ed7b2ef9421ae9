"""Plotly charts styled the same way on the pages and in the weekly review (no Streamlit import)."""

from __future__ import annotations

import plotly.graph_objects as go


def style_chart(figure: go.Figure, rate_axis: str | None = "y", language: str = "vi") -> go.Figure:
    """Language-aware separators (209.581 / 76,64%), compact margins, percent axis for rates."""
    figure.update_layout(
        separators=",." if language == "vi" else ".,",
        margin={"l": 10, "r": 10, "t": 50, "b": 10},
        legend={"orientation": "h", "y": -0.2},
        hovermode="x unified",
    )
    if rate_axis == "y":
        figure.update_yaxes(tickformat=".0%", hoverformat=".2%")
    elif rate_axis == "x":
        figure.update_xaxes(tickformat=".1%", hoverformat=".2%")
    return figure
