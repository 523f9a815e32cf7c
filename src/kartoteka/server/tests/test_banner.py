"""What ``kartoteka run`` prints when it is ready: the demo password on the first start only."""

from __future__ import annotations

from kartoteka.demo.catalogue import DEMO_PASSWORD
from kartoteka.people.models import User
from kartoteka.server.management.commands.run import banner

ADDRESS = "http://127.0.0.1:8123"


def logins() -> list[User]:
    return [
        User(username="agent", role=User.Role.AGENT),
        User(username="klara@klient.example", role=User.Role.PORTAL),
    ]


def test_the_first_start_prints_the_demo_password() -> None:
    lines = banner(ADDRESS, logins(), 2.0, first_start=True, debug=False)
    assert lines[1] == f"Kartoteka is running at {ADDRESS}  (ready in 2.0 s)"
    assert lines[2] == f"Demo logins (password: {DEMO_PASSWORD}):"
    assert lines[3].split() == ["agent", DEMO_PASSWORD, "Agent"]
    assert lines[4].endswith(f"at {ADDRESS}/portal/")
    assert DEMO_PASSWORD in lines[4]


def test_a_later_start_names_the_demo_users_without_the_password() -> None:
    # when
    lines = banner(ADDRESS, logins(), 1.0, first_start=False, debug=False)
    # then
    text = "\n".join(lines)
    assert DEMO_PASSWORD not in text
    assert lines[2] == 'Demo logins as before; their password is in the README, "Quick start":'
    assert lines[3].split() == ["agent", "Agent"]
    assert lines[4].split()[:2] == ["klara@klient.example", "Portal"]
    assert lines[4].endswith(f"at {ADDRESS}/portal/")


def test_no_demo_login_left_prints_no_demo_lines() -> None:
    lines = banner(ADDRESS, [], 1.0, first_start=False, debug=True)
    assert not any("Demo" in line for line in lines)
    assert "DEBUG is on: do not use this server for real data." in lines
