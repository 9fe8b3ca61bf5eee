"""The embedded broker never hands a consumer a half-written message."""

import threading
from pathlib import Path

from kombu import Connection

from preditiva.core.broker import embedded_transport_options, get_celery
from preditiva.core.settings import Settings

MESSAGES = 100
PADDING = "x" * 200_000  # a long write widens the window a reader could race into


def _connection(home: Path) -> Connection:
    settings = Settings(home=home)
    return Connection(
        settings.effective_broker_url, transport_options=embedded_transport_options(settings)
    )


def test_messages_published_while_a_consumer_polls_all_arrive_whole(tmp_path: Path) -> None:
    received: list[dict[str, int]] = []
    with _connection(tmp_path) as consumer_connection, _connection(tmp_path) as producer:
        consumer = consumer_connection.SimpleQueue("stress")
        publisher = producer.SimpleQueue("stress")

        def publish_all() -> None:
            for n in range(MESSAGES):
                publisher.put({"n": n, "pad": PADDING})

        thread = threading.Thread(target=publish_all, daemon=True)
        thread.start()
        while len(received) < MESSAGES:
            message = consumer.get(timeout=10)
            received.append(message.payload)
            message.ack()
        thread.join()
    assert sorted(item["n"] for item in received) == list(range(MESSAGES))
    assert not list((tmp_path / "broker" / "queue").glob("*.part"))


def test_an_unreadable_message_file_is_skipped_not_fatal(tmp_path: Path) -> None:
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("broken")
        (tmp_path / "broker" / "queue" / "0_bad.broken.msg").write_bytes(b"")
        queue.put({"ok": True})
        message = queue.get(timeout=5)
        assert message.payload == {"ok": True}


def test_the_celery_app_uses_the_atomic_transport(tmp_path: Path) -> None:
    app = get_celery(Settings(home=tmp_path))
    with app.connection_for_write() as connection:
        assert type(connection.transport).__module__ == "preditiva.core.embedded_transport"
