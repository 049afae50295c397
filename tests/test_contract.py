"""The contract holds under any input: Schemathesis over every operation of /openapi.json.

A bounded, seeded run against the app in process (its own lifespan, a real migrated SQLite
database holding the demo programme), once as an admin and once as an attendee. Any 5xx, any
status the document does not list, any answer that does not match its schema, a schema-valid
request refused with 422 or a schema-invalid one accepted fails the suite.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis import Case
from schemathesis.schemas import BaseSchema

from server.app import create_app
from server.db import Database
from server.demo import load_demo
from server.services import accounts, attendees
from server.settings import Settings

SECRET = "contract-secret-key"
# Fixed seed and budget: the same cases every run, about a minute on two cores for both roles.
CONFIG = {
    "seed": 14,
    "generation": {"mode": "all", "max-examples": 12, "deterministic": True},
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "checks": {
        # A schema-valid request may still meet a rule of the moment (400: that column is not
        # on this board; 409: frozen); what it must never meet is a 422 the schema did not say.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]
        },
    },
}


class Contract:
    def __init__(self, tmp: Path, migrated: Path) -> None:
        db_file = tmp / "glimpse.db"
        shutil.copyfile(migrated, db_file)
        settings = Settings(
            data_dir=tmp,
            database_url=f"sqlite:///{db_file}",
            secret_key=SECRET,
            _env_file=None,  # type: ignore[call-arg]
        )
        db = Database(settings.effective_database_url)
        with db.session() as session:
            programme = load_demo(session, if_empty=False)
            assert programme is not None
            admin = accounts.create_user(
                session, email="admin@contract.test", password="contract-pw-1", role="admin"
            )
            self.admin_token = accounts.create_token(session, email=admin.email, secret_key=SECRET)
            code = _live_join_code(session)
            _, token = attendees.join(session, code=code, secret_key=SECRET, display_name="Ade")
            assert token is not None
            self.attendee_token = token
        db.dispose()
        self.app = create_app(settings)
        self.schema = schemathesis.openapi.from_asgi(
            "/openapi.json", self.app, config=schemathesis.Config.from_dict(CONFIG)
        )


def _live_join_code(session: Any) -> str:
    from sqlmodel import select

    from server.models.events import Event

    event = session.exec(select(Event).where(Event.status == "live")).first()
    assert event is not None
    code: str = event.join_code
    return code


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Iterator[Contract]:
    yield Contract(tmp_path_factory.mktemp("contract"), migrated_sqlite)


@pytest.fixture
def contract_schema(contract: Contract) -> BaseSchema:
    return contract.schema


schema = schemathesis.pytest.from_fixture("contract_schema")


@schema.parametrize()
def test_every_operation_as_an_admin(case: Case, contract: Contract) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {contract.admin_token}"})


@schema.parametrize()
def test_every_operation_as_an_attendee(case: Case, contract: Contract) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {contract.attendee_token}"})
