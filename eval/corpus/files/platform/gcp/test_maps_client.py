import pytest

# Shapes the client must refuse: wrong lengths for an AIza key.
INVALID_KEYS = [
    "AIzaVlIQr2Ev7YFQkGU2QF2Pp6cwUkGOYqyTo",
    "AIza5s4BcMDSMbRuWQwkd892M5MjDztoTv0qK2bQ4N",
]


@pytest.mark.parametrize("key", INVALID_KEYS)
def test_rejects(key):
    assert not looks_like_key(key)
