"""Two dispatchers at once — two threads, then two processes, each with its own database
connections — deliver every message exactly once to a real SMTP server.

The database comes from the ``outbox_database_url`` fixture: a migrated SQLite file and
a migrated PostgreSQL database, on every run whichever backend the suite runs on.

Each dispatcher, at its first delivery, waits until the other one also holds claimed
messages, so the two really overlap on every run (no timing luck involved).
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from iris_admin.messaging.channels import SmtpSettings, send_email
from iris_admin.messaging.dispatcher import Dispatcher, DispatchResult, DispatchSettings
from iris_admin.models import Channel, Customer, Message, MessageStatus
from iris_admin.models.base import utcnow
from tests.messaging_servers import SmtpInbox

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 60
BATCH = 5


@pytest.fixture(params=["sqlite", "postgresql"])
def outbox_database_url(request: pytest.FixtureRequest) -> str:
    fixture = "sqlite_url" if request.param == "sqlite" else "postgres_database_url"
    return request.getfixturevalue(fixture)


def make_engine(url: str) -> Engine:
    options = {"connect_args": {"timeout": 30}} if url.startswith("sqlite") else {}
    return sa.create_engine(url, **options)


def fill_outbox(url: str, count: int) -> list[int]:
    engine = make_engine(url)
    now = utcnow()
    with engine.begin() as connection:
        customer_id = connection.execute(
            sa.insert(Customer.__table__).values(
                name="Parallel B.V.",
                is_business=True,
                search_text="parallel b.v.",
                custom_values={},
                notify_issue_updates=False,
                created_at=now,
                updated_at=now,
            )
        ).inserted_primary_key[0]
        connection.execute(
            sa.insert(Message.__table__),
            [
                {
                    "channel": Channel.EMAIL.value,
                    "kind": "manual",
                    "customer_id": customer_id,
                    "recipients": [f"person{n}@parallel.example"],
                    "recipient_names": [],
                    "subject": f"Message {n}",
                    "body": "Hello",
                    "status": "scheduled",
                    "scheduled_at": now,
                    "next_attempt_at": now,
                    "attempts": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(count)
            ],
        )
        ids = list(
            connection.scalars(sa.select(Message.id).where(Message.customer_id == customer_id))
        )
    engine.dispose()
    return ids


def wait_for_rival(engine: Engine, limit: float = 60) -> None:
    """Block until two dispatchers hold claimed messages at the same moment."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            holders = connection.scalar(
                sa.select(sa.func.count(sa.distinct(Message.claimed_by))).where(
                    Message.status == MessageStatus.SENDING.value
                )
            )
        if holders >= 2:
            return
        time.sleep(0.01)
    raise AssertionError("the other dispatcher never claimed anything")


def overlapping_dispatcher(url: str, smtp_port: int) -> Dispatcher:
    engine = make_engine(url)
    smtp = SmtpSettings(
        host="127.0.0.1",
        port=smtp_port,
        tls="none",
        user=None,
        password=None,
        sender="desk@iris.example",
        timeout=10,
    )
    waited = threading.Event()

    def deliver(email):
        if not waited.is_set():
            wait_for_rival(engine)
            waited.set()
        return send_email(smtp, email)

    return Dispatcher(
        engine, DispatchSettings(batch_size=BATCH), email_sender=deliver, sms_gateway=lambda: None
    )


def run_worker(url: str, smtp_port: int) -> None:
    """Entry point of one dispatcher process (see the process test)."""
    result = overlapping_dispatcher(url, smtp_port).run()
    print(f"claimed={result.claimed} sent={result.sent} lost={result.lost}", flush=True)


def assert_each_sent_once(url: str, ids: list[int], inbox: SmtpInbox) -> None:
    received = inbox.by_iris_id()
    assert sorted(received) == sorted(str(message_id) for message_id in ids)
    assert all(len(copies) == 1 for copies in received.values()), "a message went out twice"
    engine = make_engine(url)
    with engine.connect() as connection:
        statuses = connection.execute(
            sa.select(Message.status, Message.attempts).where(Message.id.in_(ids))
        ).all()
    engine.dispose()
    assert statuses == [(MessageStatus.SENT.value, 1)] * len(ids)


@pytest.fixture
def inbox() -> Iterator[SmtpInbox]:
    with SmtpInbox() as server:
        yield server


def test_two_dispatcher_threads_send_each_message_exactly_once(
    outbox_database_url: str, inbox: SmtpInbox
) -> None:
    ids = fill_outbox(outbox_database_url, MESSAGES)
    results: list[DispatchResult] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def work() -> None:
        try:
            dispatcher = overlapping_dispatcher(outbox_database_url, inbox.port)
            start.wait()
            results.append(dispatcher.run())
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert len(results) == 2 and all(result.claimed > 0 for result in results)
    assert sum(result.sent for result in results) == MESSAGES
    assert sum(result.lost for result in results) == 0
    assert_each_sent_once(outbox_database_url, ids, inbox)


def test_two_dispatcher_processes_send_each_message_exactly_once(
    outbox_database_url: str, inbox: SmtpInbox
) -> None:
    ids = fill_outbox(outbox_database_url, MESSAGES)
    code = (
        "import sys; from tests.unit.test_messaging_parallel import run_worker; "
        "run_worker(sys.argv[1], int(sys.argv[2]))"
    )
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", code, outbox_database_url, str(inbox.port)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=180) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    sent = [int(out.split("sent=")[1].split()[0]) for out, _err in outputs]
    assert all(count > 0 for count in sent) and sum(sent) == MESSAGES
    assert_each_sent_once(outbox_database_url, ids, inbox)
