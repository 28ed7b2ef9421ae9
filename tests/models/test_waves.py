"""The demo waves' true effect and the draw of who was visited, on hand-made households."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.waves import draw_visited, true_effect


def test_true_effect_is_larger_with_a_phone_and_a_young_contract_and_none_for_late_payers():
    households = pd.DataFrame(
        {
            "has_phone": [True, True, False, False, True],
            "contract_months": [12, 120, 12, 120, 12],
            "late_share_6m": [0.0, 0.0, 0.0, 0.0, 0.8],
        }
    )
    assert true_effect(households) == pytest.approx([0.10, 0.06, 0.05, 0.01, 0.0])


def test_visits_drawn_so_the_wave_reads_as_randomised_with_the_given_effect():
    rng = np.random.default_rng(5)
    n = 200_000
    chance = np.full(n, 0.2)  # converting with or without the wave, on average
    converted = rng.random(n) < chance
    visited = draw_visited(converted, chance, np.full(n, 0.05), share=0.1, seed=1)
    # control converts at 0.2 - 0.9 × 0.05 = 0.155, visited at 0.205; 90% visited
    assert visited.mean() == pytest.approx(0.9, abs=0.005)
    assert converted[~visited].mean() == pytest.approx(0.155, abs=0.006)
    assert converted[visited].mean() == pytest.approx(0.205, abs=0.003)
    none = draw_visited(converted, chance, np.zeros(n), share=0.1, seed=1)
    assert converted[none].mean() - converted[~none].mean() == pytest.approx(0.0, abs=0.006)
