"""A dossier cites the documented abuses its target took part in, each source with its own grade.

The shared incidents name Mansudae Overseas Project (un:KPe.050) as the state construction exporter
whose workers in Namibia were moved to a Chinese-registered contractor; its dossier carries that incident
as a claim under the incidents provider, and no longer lists incidents among the areas not searched.
"""

from __future__ import annotations

from pathlib import Path

from accomplice.dossiers.claims import ClaimKind
from accomplice.services import auth as accounts
from accomplice.services.dossiers import build_dossier
from accomplice.services.incidents import load_seed
from accomplice.settings import get_settings
from accomplice.store import Store
from tests.helpers import copy_of_store

MANSUDAE = "un:KPe.050"
NAMIBIA = "INC-2016-2017-NAMIBIA-MOP-WORKERS"


def test_a_dossier_cites_the_incidents_that_name_its_target(screening_store: Store, tmp_path: Path) -> None:
    store = copy_of_store(screening_store, tmp_path / "lists.db")
    admin = accounts.operator_principal("tester")
    report = load_seed(store, admin, get_settings().raw_dir.parent)
    assert report is not None
    built = build_dossier(store, admin, MANSUDAE)
    incidents = [c for c in built.dossier.claims if c.kind is ClaimKind.INCIDENT]
    assert any(c.detail.get("incident") == NAMIBIA for c in incidents)
    assert all(c.provider == "incidents" for c in incidents)
    cited = [c for c in incidents if c.source is not None]
    assert cited
    assert all(c.source is not None and c.source.id.startswith("incident:") for c in cited)
    assert "incidents (issue 14)" not in built.dossier.missing_sources
    # A reader without the incidents permission gets no such claim: the records are not theirs to read.
    store.close()
