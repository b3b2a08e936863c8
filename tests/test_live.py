"""The change log under concurrent writers, and the live change stream: real `diplo serve`
processes on one database, real clients in other threads."""

import queue
import socket
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

import httpx
import orjson
from fastapi.testclient import TestClient
from httpx_sse import ServerSentEvent, connect_sse

from app.config import Settings
from app.main import create_app
from tests.conftest import STREAM, NewDatabase, make_key, seeded
from tests.test_faults import _event, serving
from tests.test_writes import KINDS, new


def _whole_feed(base: str) -> list[int]:
    """Every change id the feed holds, read when nothing is being written."""
    ids: list[int] = []
    since = "0"
    with httpx.Client(base_url=base, timeout=30) as client:
        while True:
            page = client.get("/v1/changes", params={"since": since, "limit": 1000}).json()
            ids += [change["id"] for change in page["items"]]
            if not page["items"]:
                return ids
            since = page["last_id"]


def test_a_follower_of_the_feed_misses_no_change_while_an_import_overlaps_single_writes(
    new_database: NewDatabase,
) -> None:
    """The race the change log must not lose: a 10,000-row import overlapping 30 single writes
    on two workers, while a mirror follows `/v1/changes` page by page. On PostgreSQL a
    change id drawn from a sequence became visible only at commit, so a later id could be
    seen first and the earlier ones skipped for good (8,607 of 10,044 were)."""
    url = new_database()
    with serving(url, workers=2) as (base, _):
        headers = make_key(url, "write")
        rows = [_event(9, n) for n in range(10_000)]
        body = b"\n".join(orjson.dumps(row) for row in rows)
        writing = threading.Event()
        writing.set()
        seen: list[int] = []

        def follow() -> None:
            since = "0"
            with httpx.Client(base_url=base, timeout=60) as client:
                while True:
                    quiet = not writing.is_set()  # read before the page: then it is the last
                    page = client.get("/v1/changes", params={"since": since, "limit": 1000})
                    assert page.status_code == 200, page.text
                    items = page.json()["items"]
                    seen.extend(change["id"] for change in items)
                    since = page.json()["last_id"]
                    if quiet and not items:
                        return

        def import_all() -> int:
            with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
                answer = client.post(
                    "/v1/events/import",
                    content=body,
                    headers={"Content-Type": "application/x-ndjson"},
                )
                return answer.status_code

        def single(n: int) -> int:
            with httpx.Client(base_url=base, headers=headers, timeout=300) as client:
                while True:
                    answer = client.post("/v1/events", json=_event(8, n))
                    # On SQLite a write waits for the import's lock 5 s at most (busy_timeout),
                    # then is a 503 with Retry-After, stored nowhere: a client tries again.
                    if answer.status_code != 503:
                        return answer.status_code
                    time.sleep(float(answer.headers["Retry-After"]))

        follower = threading.Thread(target=follow)
        follower.start()
        with ThreadPoolExecutor(4) as pool:
            imported = pool.submit(import_all)
            singles: list[Future[int]] = []  # single writes all through the import, 30 at least
            while len(singles) < 30 or not imported.done():
                singles.append(pool.submit(single, len(singles)))
                time.sleep(0.05)
            statuses = [imported.result(), *(s.result() for s in singles)]
        # A worker answers from what it kept until it has read the last change (docs/live.md,
        # "Response cache": 0.1 s on SQLite, a notification on PostgreSQL, 1 s at most if
        # one was lost): the follower's last look comes after that.
        time.sleep(1.5)
        writing.clear()
        follower.join(120)
        assert statuses == [200] + [201] * len(singles)
        everything = _whole_feed(base)
        assert len(everything) >= 10_000 + len(singles)
        missed = sorted(set(everything) - set(seen))
        assert (len(missed), missed[:5]) == (0, []), f"{len(missed)} of {len(everything)}"
        assert len(seen) == len(set(seen))  # and nothing twice


class Listener:
    """A client of `/v1/changes/stream` reading in a thread: `next()` waits for an event."""

    def __init__(self, base: str, headers: dict[str, str] | None = None, **params: str) -> None:
        self.events: queue.Queue[ServerSentEvent | BaseException] = queue.Queue()
        self.opened = threading.Event()
        self.client = httpx.Client(base_url=base, timeout=httpx.Timeout(30))
        self.params, self.headers = params, headers or {}
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        assert self.opened.wait(30), "the stream did not open"

    def _read(self) -> None:
        try:
            with connect_sse(
                self.client, "GET", "/v1/changes/stream", params=self.params, headers=self.headers
            ) as source:
                assert source.response.status_code == 200, source.response.read()
                self.opened.set()
                for event in source.iter_sse():
                    self.events.put(event)
        except BaseException as error:  # closed by the test, or a failure to report
            self.events.put(error)
            self.opened.set()

    def next(self, seconds: float) -> ServerSentEvent:
        """The next change. A heartbeat (`: ping`) is skipped: once a stream has sent an id,
        httpx-sse hands each one over as an event without data, with that id. (Under a full
        suite's load a heartbeat fell between the events of a long import and was read as
        one.)"""
        deadline = time.monotonic() + seconds
        while True:
            got = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            if isinstance(got, BaseException):
                raise got
            if got.data:
                return got

    def close(self) -> None:
        self.client.close()


def _post(base: str, headers: dict[str, str], **fields: object) -> int:
    answer = httpx.post(f"{base}/v1/events", json=_event(7, 0) | fields, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _changes_after(base: str, since: int) -> list[dict[str, object]]:
    return list(httpx.get(f"{base}/v1/changes", params={"since": since}).json()["items"])


def test_a_stream_on_one_server_sees_writes_through_another_and_a_reconnect_misses_nothing(
    new_database: NewDatabase,
) -> None:
    url = new_database()
    with serving(url) as (first, _), serving(url) as (second, _):
        writer, admin = make_key(url, "write"), make_key(url, "admin")
        since = httpx.get(f"{first}/v1/changes").json()["last_id"]
        listener = Listener(first, resources="events", countries="ru")
        try:
            started = time.monotonic()
            kept = _post(second, writer, ref="live-1", countries=["RU", "US"])
            elsewhere = _post(second, writer, ref="elsewhere", countries=["US"])  # not RU
            event = listener.next(2)
            waited = time.monotonic() - started
            logged = _changes_after(first, since)
            assert [change["record_id"] for change in logged] == [kept, kept + 1]
            # The event is the feed's change: its id, its shape, within 2 s.
            assert (event.event, event.id, orjson.loads(event.data)) == (
                "change",
                str(logged[0]["id"]),
                logged[0],
            )
            assert waited < 2, waited
        finally:
            listener.close()
        # Gone for a while: a write, an update and a delete happen meanwhile.
        more = _post(second, writer, ref="live-2", countries=["RU"])
        patched = httpx.patch(
            f"{second}/v1/events/{more}", json={"summary": "Changed."}, headers=writer
        )
        assert patched.status_code == 200, patched.text
        deleted = httpx.delete(f"{second}/v1/events/{kept}", headers=admin)
        assert deleted.status_code == 204, deleted.text
        missed = [c for c in _changes_after(first, int(event.id)) if c["record_id"] != elsewhere]
        assert [c["action"] for c in missed] == ["create", "update", "delete"]
        back = Listener(first, {"Last-Event-ID": event.id}, resources="events", countries="RU")
        try:
            got = [orjson.loads(back.next(5).data) for _ in missed]
            assert got == missed  # exactly what it missed, in order
            assert (got[-1]["before"], got[-1]["after"]) == (None, None)  # no deleted values
            live = _post(first, writer, ref="live-3", countries=["RU"])  # then live ones
            assert orjson.loads(back.next(2).data)["record_id"] == live
            assert back.events.empty()
        finally:
            back.close()
        # Every documented parameter, whatever its value: a stream, a 400 or a 422, no 500.
        operation = httpx.get(f"{first}/openapi.json").json()["paths"][STREAM]["get"]
        for parameter in operation["parameters"]:
            for value in ("", "x", "1", "-1", "ru", "2021-10-12", "%00", "a" * 300):
                params = {parameter["name"]: value}
                with httpx.stream("GET", f"{first}{STREAM}", params=params) as answer:
                    assert answer.status_code in (200, 400, 422), (params, answer.status_code)


def _first_line_of_a_new_stream(base: str) -> str | None:
    """None when the server refuses another stream (503)."""
    with httpx.stream("GET", f"{base}/v1/changes/stream", timeout=10) as answer:
        if answer.status_code == 503:
            return None
        assert answer.status_code == 200
        return next(answer.iter_lines())


def test_streams_are_capped_and_a_slow_client_is_dropped_without_stalling_others(
    new_database: NewDatabase,
) -> None:
    url = new_database()
    settings = {"STREAM_MAX": "2", "STREAM_SEND_TIMEOUT": "1", "STREAM_HEARTBEAT_SECONDS": "0.5"}
    with serving(url, 1, **settings) as (base, _):
        writer = make_key(url, "write")
        since = httpx.get(f"{base}/v1/changes").json()["last_id"]
        host, port = base.removeprefix("http://").split(":")
        slow = socket.create_connection((host, int(port)))  # asks, then never reads
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(f"GET /v1/changes/stream?since={since} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        fast = Listener(base, since=str(since))
        try:
            refused = httpx.get(f"{base}/v1/changes/stream")  # a third stream
            assert refused.status_code == 503
            assert refused.headers["content-type"] == "application/problem+json"
            assert int(refused.headers["Retry-After"]) > 0
            rows = [_event(6, n) | {"summary": "x" * 2000} for n in range(3000)]
            body = b"\n".join(orjson.dumps(row) for row in rows)
            imported = httpx.post(
                f"{base}/v1/events/import",
                content=body,
                headers={**writer, "Content-Type": "application/x-ndjson"},
                timeout=300,
            )
            assert imported.status_code == 200, imported.text
            for n in range(3000):  # the fast client gets every one, in order
                assert orjson.loads(fast.next(30).data)["after"]["ref"] == f"burst-6-{n}"
            # The slow one, which still reads nothing, was dropped: a stream's place is free
            # again (and heartbeats flow on an idle stream).
            deadline = time.monotonic() + 30
            while (line := _first_line_of_a_new_stream(base)) is None:
                assert time.monotonic() < deadline, "the slow client was never dropped"
                time.sleep(0.2)
            assert line.startswith(": ping")
        finally:
            slow.close()
            fast.close()


def test_a_stream_refuses_what_it_cannot_follow(client: TestClient) -> None:
    bad = client.get("/v1/changes/stream", headers={"Last-Event-ID": "x"})
    assert bad.status_code == 400
    assert "Last-Event-ID" in bad.json()["detail"]
    unknown = client.get("/v1/changes/stream", params={"resources": "missions,planets"})
    assert unknown.status_code == 422
    assert "planets" in unknown.text
    assert client.get("/v1/changes/stream", params={"countries": "ZZ"}).status_code == 422
    # An id no change has yet: followed, the stream would pass over every change up to it.
    newest = client.get("/v1/changes").json()["last_id"]
    for asked in ({"params": {"since": "99999999"}}, {"headers": {"Last-Event-ID": "99999999"}}):
        ahead = client.get("/v1/changes/stream", **asked)
        assert ahead.status_code == 400, ahead.text
        assert ahead.headers["content-type"] == "application/problem+json"
        assert f"the newest is {newest}" in ahead.json()["detail"]


def test_a_repeated_get_is_kept_until_the_data_changes_and_a_write_shows_at_once(
    new_database: NewDatabase,
) -> None:
    """Each worker keeps the answers to anonymous GETs until the data changes (docs/live.md):
    a repeat is a hit, the worker's own write shows in the very next answer."""
    url = seeded(new_database)
    writer = make_key(url, "write")
    with TestClient(create_app(Settings(database_url=url))) as api:
        first = api.get("/v1/events", params={"sort": "-id"})
        again = api.get("/v1/events", params={"sort": "-id"})
        assert (first.headers["X-Cache"], again.headers["X-Cache"]) == ("miss", "hit")
        assert again.content == first.content
        assert again.headers["ETag"] == first.headers["ETag"]
        assert again.headers["Cache-Control"] == first.headers["Cache-Control"]  # outside it
        revalidated = api.get(
            "/v1/events", params={"sort": "-id"}, headers={"If-None-Match": first.headers["ETag"]}
        )
        assert (revalidated.status_code, revalidated.headers["X-Cache"]) == (304, "hit")
        assert revalidated.headers["ETag"] == first.headers["ETag"]
        # Another query, another Accept: kept apart.
        assert api.get("/v1/events", params={"sort": "id"}).headers["X-Cache"] == "miss"
        exported = api.get("/v1/events", params={"sort": "-id", "format": "csv"})
        assert exported.headers["X-Cache"] == "miss"
        assert api.get("/v1/events", params={"sort": "-id"}).headers["X-Cache"] == "hit"
        # A request with a key is never kept nor served from what was kept.
        assert "X-Cache" not in api.get("/v1/events", headers=writer).headers
        # The worker's own write shows in the next answer: read-your-writes.
        posted = api.post("/v1/events", json=_event(5, 0), headers=writer)
        assert posted.status_code == 201, posted.text
        after = api.get("/v1/events", params={"sort": "-id"})
        assert after.headers["X-Cache"] == "miss"
        assert after.json()["items"][0]["id"] == posted.json()["id"]
        assert after.headers["ETag"] != first.headers["ETag"]
        # A write that fails changes nothing, and what was kept stays kept.
        assert api.post("/v1/events", json={}, headers=writer).status_code == 422
        assert api.get("/v1/events", params={"sort": "-id"}).headers["X-Cache"] == "hit"


def test_requests_that_miss_together_share_one_fresh_answer(new_database: NewDatabase) -> None:
    """Right after a write, clients polling one view miss at once: the worker makes the answer
    once and every one of them gets it (docs/live.md), each with the write in it. On SQLite a
    read runs on the event loop, one at a time, so the others are plain hits; on PostgreSQL
    they overlap and wait for the one being made."""
    url = new_database()
    view = "/v1/timeline?countries=RU,US&limit=200"
    with serving(url) as (base, _):
        writer = make_key(url, "write")
        clients = 12
        start = threading.Barrier(clients)

        def poll(_: int) -> httpx.Response:
            with httpx.Client(base_url=base) as client:
                client.get("/healthz")  # connected before the barrier
                start.wait()
                return client.get(view)

        for round_ in range(3):
            posted = _post(base, writer, ref=f"shared-{round_}", countries=["RU", "US"])
            with ThreadPoolExecutor(clients) as pool:
                answers = list(pool.map(poll, range(clients)))
            assert {answer.status_code for answer in answers} == {200}
            assert len({answer.content for answer in answers}) == 1
            ids = [entry["id"] for entry in answers[0].json()["items"] if entry["kind"] == "event"]
            assert posted in ids
            caches = sorted(answer.headers["X-Cache"] for answer in answers)
            assert caches == ["hit"] * (clients - 1) + ["miss"], caches


def test_viewers_of_one_stream_each_get_it_at_once(new_database: NewDatabase) -> None:
    """Viewers of one pair ask one worker for the same stream, as curl does (no
    `Cache-Control`): each gets it at once, and every change. (A stream is no answer to share:
    the second waited, without a byte, for the first one's stream to end.)"""
    url = new_database()
    with serving(url, 1) as (base, _), httpx.Client(base_url=base, timeout=5) as client:
        writer = make_key(url, "write")
        request = client.build_request(
            "GET", STREAM, params={"countries": "RU,US"}, headers={"Accept": "text/event-stream"}
        )
        viewers = [client.send(request, stream=True) for _ in range(3)]
        try:
            assert [viewer.status_code for viewer in viewers] == [200] * 3
            posted = _post(base, writer, ref="side-by-side", countries=["RU", "US"])
            for viewer in viewers:
                data = next(line for line in viewer.iter_lines() if line.startswith("data:"))
                assert orjson.loads(data.removeprefix("data:"))["record_id"] == posted
        finally:
            for viewer in viewers:
                viewer.close()


def test_a_kept_answer_gives_way_to_a_write_through_another_server_within_a_second(
    new_database: NewDatabase,
) -> None:
    """The staleness bound: another worker's write shows once this worker has read its change
    (PostgreSQL: at the notification; SQLite: within STREAM_POLL_SECONDS)."""
    url = new_database()
    with serving(url) as (first, _), serving(url) as (second, _):
        writer = make_key(url, "write")
        listing = f"{first}/v1/events?sort=-id&limit=1"
        httpx.get(listing)
        assert httpx.get(listing).headers["X-Cache"] == "hit"
        posted = _post(second, writer, ref="elsewhere-cached")
        written = time.monotonic()
        while httpx.get(listing).json()["items"][0]["id"] != posted:
            assert time.monotonic() - written < 1, "the kept answer outlived the write by 1 s"
            time.sleep(0.01)


# Every view, once each (the seed's first records); a view of a record written is added.
VIEWS = [
    "/v1/headcounts",
    "/v1/headcounts/series?sending_country=RU&host_country=US&interval=year",
    "/v1/measures",
    "/v1/measures/1",
    "/v1/measures/1/history",
    "/v1/expulsions",
    "/v1/missions",
    "/v1/missions/1",
    "/v1/missions/1/history",
    "/v1/representations",
    "/v1/talks",
    "/v1/talks/1",
    "/v1/visa-disputes",
    "/v1/visa-disputes/1",
    "/v1/events",
    "/v1/events/1",
    "/v1/officials",
    "/v1/officials/1",
    "/v1/posts",
    "/v1/sources",
    "/v1/sources/1",
    "/v1/citations",
    "/v1/countries/RU",
    "/v1/relations/RU/US",
    "/v1/timeline?countries=RU,US",
    "/v1/changes",
    "/v1/datasets",
]


def test_a_kept_answer_never_outlives_a_write_to_anything_its_view_shows(
    new_database: NewDatabase,
) -> None:
    """A view is kept until a resource it shows changes (a new event keeps the missions): after
    every kind of write (create, update, delete, restore of each resource, and a write one
    resource shows of another: an official's name in talks), the
    answer every view gives from the cache is the one it gives afresh (`Cache-Control:
    no-cache`)."""
    url = seeded(new_database)
    writer = make_key(url, "write", "admin")  # admin: a restore
    with TestClient(create_app(Settings(database_url=url))) as api:
        speaker = api.get("/v1/talks/1").json()["participants"][0]["official_id"]
        writes: list[tuple[str, str, dict[str, object] | None]] = [
            ("PATCH", f"/v1/officials/{speaker}", {"name": "Renamed Speaker"}),
            ("POST", "/v1/talks", new("talks", dispute_id=1)),
        ]
        # Between RU and US, so that the relation and the timeline of RU,US show each one.
        between: dict[str, dict[str, object]] = {
            "events": {"countries": ["RU", "US"]},
            "visa-disputes": {"country_b": "US"},
        }
        for kind in KINDS:
            writes += [("POST", f"/v1/{kind}", new(kind, **between.get(kind, {})))]
        hits = 0
        for view in VIEWS:
            api.get(view)
        for method, path, body in writes:
            written = api.request(method, path, json=body, headers=writer)
            assert written.status_code in (200, 201), f"{method} {path}: {written.text}"
            record = written.json()["id"]
            kind = path.split("/")[2]
            steps: list[tuple[str, str, dict[str, object] | None]] = [
                ("PATCH", f"/v1/{kind}/{record}", {"ref": f"{kind}-{record}-renamed"})
            ]
            if method == "POST":
                steps += [
                    ("DELETE", f"/v1/{kind}/{record}", None),
                    ("POST", f"/v1/{kind}/{record}/restore", None),
                ]
            for step in [(method, path, body), *steps]:
                if step[1] != path:
                    done = api.request(step[0], step[1], json=step[2], headers=writer)
                    assert done.status_code < 300, f"{step}: {done.text}"
                for view in [*VIEWS, f"/v1/{kind}/{record}"]:
                    kept = api.get(view)
                    fresh = api.get(view, headers={"Cache-Control": "no-cache"})
                    assert fresh.headers.get("X-Cache") in ("miss", None)
                    assert (kept.status_code, kept.content) == (fresh.status_code, fresh.content), (
                        f"{view} after {step[0]} {step[1]}"
                    )
                    hits += kept.headers.get("X-Cache") == "hit"
        # Views that show none of what was written stayed kept: a new event keeps the missions.
        api.get("/v1/missions")
        api.post("/v1/events", json=new("events"), headers=writer)
        assert api.get("/v1/missions").headers["X-Cache"] == "hit"
        assert api.get("/v1/events").headers["X-Cache"] == "miss"
        assert hits > len(writes) * len(VIEWS)
