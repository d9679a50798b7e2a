import threading
import uuid

from langgraph.checkpoint.base.id import UUID, uuid6


def test_uuid6_is_version_6_with_rfc_variant() -> None:
    value = uuid6()
    assert isinstance(value, uuid.UUID)
    assert value.version == 6
    assert value.variant == uuid.RFC_4122


def test_clock_seq_shows_the_step_in_the_fourth_group() -> None:
    assert str(uuid6(clock_seq=0)).split("-")[3] == "8000"
    assert str(uuid6(clock_seq=1)).split("-")[3] == "8001"
    assert str(uuid6(clock_seq=-1)).split("-")[3] == "bfff"
    assert str(uuid6(clock_seq=-2)).split("-")[3] == "bffe"


def test_string_order_is_creation_order() -> None:
    ids = [str(uuid6(clock_seq=i % 3)) for i in range(5000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_string_order_holds_across_os_threads() -> None:
    results: list[list[str]] = [[] for _ in range(4)]

    def work(slot: int) -> None:
        for _ in range(1000):
            results[slot].append(str(uuid6()))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for chunk in results:
        assert chunk == sorted(chunk)
    every = [i for chunk in results for i in chunk]
    assert len(set(every)) == len(every)


def test_time_field_increases() -> None:
    a, b = uuid6(), uuid6()
    assert isinstance(a, UUID)
    assert b.time > a.time


def test_uuid_class_accepts_versions_7_and_8() -> None:
    u7 = UUID(int=(1 << 127) | 12345, version=7)
    assert u7.version == 7
    u8 = UUID(int=42, version=8)
    assert u8.version == 8
    assert UUID(str(u7)) == u7
