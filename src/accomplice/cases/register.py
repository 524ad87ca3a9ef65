"""The CAATSA register as a list: the name it is loaded under, so that screening finds its entries and the
exposure trace counts a party resolved to one as a North Korea listing (every entry is a finding that the
entity used North Korean labour)."""

from __future__ import annotations

__all__ = ["REGISTER_LIST_NAME", "REGISTER_PROGRAM"]

REGISTER_LIST_NAME = "caatsa"
REGISTER_PROGRAM = "CAATSA §321(b) register"
