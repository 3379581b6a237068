import pytest

# Shapes the client must refuse: wrong lengths for an AIza key.
INVALID_KEYS = [
    "{{N:gcp:aiza_short}}",
    "{{N:gcp:aiza_long}}",
]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_rejects(key):
    assert not looks_like_key(key)
