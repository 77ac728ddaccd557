from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from gridgov.core.privacy import mask_name, mask_phone


def test_masks():
    assert mask_phone("13804321234") == "138****1234"
    assert mask_phone("138-0432-1234") == "138****1234"
    assert mask_phone("0432-6221234") == "043****1234"
    assert mask_phone("12345") == "****2345"
    assert mask_phone("123") == "****" and mask_phone("") == "****"
    assert mask_name("张大爷") == "张**" and mask_name("") == ""


@given(st.text(alphabet="0123456789", min_size=8, max_size=15))
def test_a_masked_phone_never_holds_the_number(phone):
    masked = mask_phone(phone)
    assert phone not in masked and masked.count("*") == 4
