"""초성 matching on its own: initials, mixed queries and the rank order search relies on."""

from market_app.core.hangul import initials, match_rank, query_pattern


def test_initials_of_korean_words_keep_other_characters():
    assert initials("돼지고기") == "ㄷㅈㄱㄱ"
    assert initials("한우 1++ 등심") == "ㅎㅇ1++ㄷㅅ"


def test_mixed_query_matches_syllables_that_start_with_the_consonant():
    assert query_pattern("돼ㅈ").fullmatch("돼지")
    assert query_pattern("돼ㅈ").fullmatch("돼ㅈ")
    assert not query_pattern("돼ㅈ").fullmatch("돼고")


def test_match_rank_orders_exact_prefix_contains_then_initials():
    assert match_rank("고기", "고기") == 0
    assert match_rank("고기", "고기 만두") == 1
    assert match_rank("고기", "돼지고기") == 2
    assert match_rank("ㄷㅈ", "돼지고기") == 3
    assert match_rank("ㄱㄱ", "돼지고기") == 4
    assert match_rank("소고기", "돼지고기") is None
    assert match_rank("   ", "돼지고기") is None
