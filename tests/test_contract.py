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

import pytest
import requests
import schemathesis
from schemathesis import Case
from schemathesis.python import asgi
from sqlmodel import select

from server.app import create_app
from server.db import Database
from server.demo import load_demo
from server.models.events import Event
from server.services import accounts, attendees
from server.settings import Settings

SECRET = "contract-secret-key"
# Fixed seed and budget: the same cases every run, about a minute on two cores for both roles
# (8 examples per operation and phase keep the whole suite near ten minutes).
CONFIG = {
    "seed": 14,
    "generation": {"mode": "all", "max-examples": 8, "deterministic": True},
    "phases": {
        "examples": {"enabled": True},
        "coverage": {"enabled": True},
        "fuzzing": {"enabled": True},
        "stateful": {"enabled": False},
    },
    "checks": {
        # A schema-valid request may still meet a rule of the moment (400: that column is not
        # on this board; 409: frozen; 415: the upload is no picture); what it must never meet
        # is a 422 the schema did not say.
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "400", "401", "403", "404", "409", "413", "415", "429"]
        },
    },
}


class Contract:
    """A fresh database: the demo programme, an admin's API token and an attendee's token."""

    def __init__(self, tmp: Path, migrated: Path) -> None:
        db_file = tmp / "glimpse.db"
        shutil.copyfile(migrated, db_file)
        self.settings = Settings(
            data_dir=tmp,
            database_url=f"sqlite:///{db_file}",
            secret_key=SECRET,
            _env_file=None,  # type: ignore[call-arg]
        )
        db = Database(self.settings.effective_database_url)
        with db.session() as session:
            assert load_demo(session, if_empty=False) is not None
            admin = accounts.create_user(
                session, email="admin@contract.test", password="contract-pw-1", role="admin"
            )
            self.admin_token = accounts.create_token(session, email=admin.email, secret_key=SECRET)
            live = session.exec(select(Event).where(Event.status == "live")).one()
            _, token = attendees.join(session, code=live.join_code, secret_key=SECRET)
            assert token is not None
            self.attendee_token = token
        db.dispose()


# The document needs no database; the app the cases are sent to gets one per module run.
schema = schemathesis.openapi.from_dict(
    create_app(Settings(secret_key=SECRET, _env_file=None)).openapi(),  # type: ignore[call-arg]
    config=schemathesis.Config.from_dict(CONFIG),
)


@pytest.fixture(scope="module")
def contract(tmp_path_factory: pytest.TempPathFactory, migrated_sqlite: Path) -> Contract:
    return Contract(tmp_path_factory.mktemp("contract"), migrated_sqlite)


@pytest.fixture(scope="module")
def http(contract: Contract) -> Iterator[requests.Session]:
    """Requests straight into the app in this process, its lifespan running."""
    with asgi.get_client(create_app(contract.settings)) as client:
        yield client


def send(case: Case, http: requests.Session, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    case.call_and_validate(base_url=f"http://{asgi.HOST}", session=http, headers=headers)


@schema.parametrize()
def test_every_operation_as_an_admin(
    case: Case, http: requests.Session, contract: Contract
) -> None:
    send(case, http, contract.admin_token)


@schema.parametrize()
def test_every_operation_as_an_attendee(
    case: Case, http: requests.Session, contract: Contract
) -> None:
    send(case, http, contract.attendee_token)
