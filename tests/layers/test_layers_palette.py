"""The facility-type colours stay apart for readers with the common colour-vision deficiencies."""

from __future__ import annotations

import itertools

import numpy as np

from layers import FACILITY_GROUP_COLORS

# Machado, Oliveira and Fernandes (2009), severity 1.0, applied to linear RGB.
SIMULATIONS = {
    "normal": np.eye(3),
    "protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
    "tritanopia": np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                            [0.004733, 0.691367, 0.303900]]),
}


def _linear(hex_colour: str) -> np.ndarray:
    c = np.array([int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4)]) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of a linear-RGB colour."""
    to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = to_xyz @ np.clip(linear, 0, 1)
    xyz = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def min_difference(colours) -> float:
    """The smallest CIE76 difference between two of ``colours``, under every simulated vision."""
    return min(
        float(np.linalg.norm(_lab(m @ _linear(a)) - _lab(m @ _linear(b))))
        for m in SIMULATIONS.values() for a, b in itertools.combinations(colours, 2)
    )


def test_facility_type_colours_differ_under_colour_blindness():
    # The groups a reader sees most: ICE-owned, private, local jails, federal/state, family.
    colours = [c for group, c in FACILITY_GROUP_COLORS.items() if group != "Other or unknown type"]
    got = min_difference(colours)
    # The blues used before (#08306b, #2171b5, #6baed6, #17becf, #9e9ac8) fall below this.
    old = min_difference(["#08306b", "#2171b5", "#6baed6", "#17becf", "#9e9ac8"])
    print(f"smallest colour difference: {got:.1f} (old palette {old:.1f})")
    assert got >= 15 > old
