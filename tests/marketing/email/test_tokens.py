from tillit.marketing.email.tokens import make_token, read_token


def test_a_genuine_token_reads_back():
    assert read_token("open", make_token("open", 12345)) == (12345, None)
    assert read_token("click", make_token("click", 7, 3)) == (7, 3)


def test_forged_and_altered_tokens_are_refused():
    token = make_token("open", 41)
    assert read_token("open", "16." + token.split(".")[1]) is None  # another id with this MAC
    assert read_token("open", token[:-1] + ("A" if token[-1] != "A" else "B")) is None
    assert read_token("open", "1.AAAAAAAAAAAAAAAAAAAAAA") is None
    assert read_token("open", "") is None
    assert read_token("open", "../../etc/passwd") is None


def test_a_token_works_only_for_its_purpose():
    assert read_token("unsubscribe", make_token("open", 41)) is None
    assert read_token("prefs", make_token("unsubscribe", 41)) is None


def test_neighbouring_ids_have_unrelated_tokens():
    a, b = make_token("open", 100), make_token("open", 101)
    assert a.split(".")[1][:6] != b.split(".")[1][:6]
