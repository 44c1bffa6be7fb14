"""The run command's broker choice: configured, running Redis, a Redis we start, or the embedded broker."""

import shutil

import pytest
import redis

from fashionsite.broker import _free_port, choose_broker


def test_a_configured_url_wins(tmp_path):
    assert choose_broker("redis://example:6380/2", tmp_path)[0] == "redis://example:6380/2"


def test_with_no_redis_anywhere_it_falls_back_to_the_embedded_broker(tmp_path):
    url, how, proc = choose_broker(None, tmp_path, usual_port=_free_port(), redis_server=None)
    assert url == "filesystem://" and proc is None and "embedded" in how


@pytest.mark.skipif(not shutil.which("redis-server"), reason="redis-server is not installed")
def test_with_no_redis_running_it_starts_redis_server(tmp_path):
    url, how, proc = choose_broker(None, tmp_path, usual_port=_free_port())
    try:
        assert proc is not None and "started redis-server" in how
        assert redis.Redis.from_url(url).ping()
    finally:
        proc.terminate()
        proc.wait(10)
