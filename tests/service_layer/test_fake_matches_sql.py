"""The fake unit of work answers every question the SQL one does, so a use case tested against it is
the use case that runs (workflow/adapters/sql.py, workflow/adapters/fake.py)."""
from __future__ import annotations

import inspect

import pytest

from workflow.adapters import fake, sql

PAIRS = [(sql.DossierRepository, fake.FakeDossiers), (sql.OrgRepository, fake.FakeOrgs),
         (sql.MaterialRepository, fake.FakeMaterials), (sql.BlobRepository, fake.FakeBlobs),
         (sql.MemberRepository, fake.FakeMembers), (sql.LeagueRepository, fake.FakeLeague),
         (sql.ChangeRepository, fake.FakeChanges), (sql.UserRepository, fake.FakeUsers)]


def _public(cls) -> dict[str, inspect.Signature]:
    return {name: inspect.signature(member) for name, member in inspect.getmembers(cls, callable)
            if not name.startswith("_")}


@pytest.mark.parametrize("real, double", PAIRS, ids=[real.__name__ for real, _ in PAIRS])
def test_each_repository_method_exists_in_the_fake_with_the_same_parameters(real, double):
    theirs = _public(double)
    for name, signature in _public(real).items():
        assert name in theirs, f"{double.__name__} lacks {name}"
        assert list(theirs[name].parameters) == list(signature.parameters), name


def test_every_sql_repository_has_a_fake_and_every_unit_of_work_carries_them_all():
    from workflow.service_layer.unit_of_work import REPOSITORIES

    real = {name for name, member in vars(sql).items() if isinstance(member, type) and name.endswith("Repository")}
    assert real == {r.__name__ for r, _ in PAIRS}
    with fake.FakeUnitOfWork(fake.FakeStore(tree=None)) as uow:
        assert all(hasattr(uow, name) for name in REPOSITORIES)
    assert all(f"self.{name} = " in inspect.getsource(sql.UnitOfWork.__enter__) for name in REPOSITORIES)
