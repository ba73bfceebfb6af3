"""Account helpers: a registered user (through the API) and a login call."""

import pytest

PASSWORD = "correct-horse-9"


@pytest.fixture
def registered(client):
    """A shopper registered through the API; returns the response body plus the password used."""
    resp = client.post("/api/v1/auth/register", json={"email": "shopper@example.kr", "password": PASSWORD,
                                                      "name": "박손님"})
    assert resp.status_code == 201
    return resp.json | {"password": PASSWORD}


@pytest.fixture
def login(client):
    def login(email: str, password: str):
        return client.post("/api/v1/auth/login", json={"email": email, "password": password})

    return login
