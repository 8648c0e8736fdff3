import datetime as dt

import pytest

from workflow.errors import InputError
from workflow.store.idnumber import check_digit, mask_id_number, validate_id_number


def test_valid_number_with_x_check_digit_is_normalised():
    first17 = "11010519491231002"
    number = first17 + check_digit(first17)
    assert number[-1] == "X"
    assert validate_id_number(number.lower(), dt.date(1949, 12, 31)) == number


@pytest.mark.parametrize("number,code", [
    ("11010519491231002", "ID_NUMBER_INVALID"),      # 17 characters
    ("1101051949123100A1", "ID_NUMBER_INVALID"),     # a letter inside
    ("110105194912310021", "ID_NUMBER_INVALID"),     # wrong check digit
    ("110105194902300029", "ID_NUMBER_INVALID"),     # 30 February (check digit made right below)
])
def test_bad_numbers_are_refused_without_echo(number, code):
    if number.startswith("11010519490230"):
        number = number[:17] + check_digit(number[:17])
    with pytest.raises(InputError) as caught:
        validate_id_number(number, None)
    assert caught.value.code == code
    assert number not in str(caught.value) and number not in str(caught.value.to_dict())


def test_birth_date_must_agree():
    number = "33010620040302123" + check_digit("33010620040302123")
    with pytest.raises(InputError) as caught:
        validate_id_number(number, dt.date(2004, 3, 3))
    assert caught.value.code == "ID_NUMBER_MISMATCH"


def test_mask_keeps_four_and_four():
    assert mask_id_number("330106200403021233") == "3301**********1233"
    assert mask_id_number(None) is None
