import pytest

# Shapes the client must refuse: wrong lengths for an AIza key.
INVALID_KEYS = [
    "AIzazc9CZNAqOg705pe-cDD6iQHfWt3lVAX2u",
    "AIzaq7JsxwzoapCgRQwv_crIzjwxxhqxAMaXwCKacM",
]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_rejects(key):
    assert not looks_like_key(key)
