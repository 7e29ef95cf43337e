"""A fake HubSpot on loopback for trying the sync engine under `make run` (the tests' fake, with a few
demo contacts). It speaks HubSpot's CRM v3 contacts API; see tests/support/fake_hubspot.py.

    venv/bin/python tools/fake_hubspot.py [--port 8900] [--contacts 5]

It prints the base URL and the private-app token an integration needs, then serves until Ctrl-C. Change
a contact the way a HubSpot user would, through the API:

    curl -X POST http://127.0.0.1:8900/crm/v3/objects/contacts/batch/update \\
      -H 'Authorization: Bearer demo-hubspot-token' -H 'Content-Type: application/json' \\
      -d '{"inputs": [{"id": "1", "properties": {"company": "Globex"}}]}'
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.fake_hubspot import FakeHubSpot

TOKEN = "demo-hubspot-token"
PEOPLE = [
    ("ada@example.com", "Ada", "Lovelace", "Analytical Engines"),
    ("grace@example.com", "Grace", "Hopper", "Navy"),
    ("alan@example.com", "Alan", "Turing", "Bletchley Park"),
    ("edsger@example.com", "Edsger", "Dijkstra", "Eindhoven"),
    ("barbara@example.com", "Barbara", "Liskov", "MIT"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8900)
    parser.add_argument("--contacts", type=int, default=len(PEOPLE), help="how many demo contacts")
    arguments = parser.parse_args()

    hubspot = FakeHubSpot(token=TOKEN)
    if arguments.contacts <= len(PEOPLE):
        people = [
            {"email": email, "firstname": first, "lastname": last, "company": company}
            for email, first, last, company in PEOPLE[: arguments.contacts]
        ]
    else:
        people = [
            {"email": f"person{n}@example.com", "firstname": f"Person{n}", "lastname": "Demo"}
            for n in range(arguments.contacts)
        ]
    hubspot.add_many(people)
    hubspot.start(port=arguments.port)
    print(f"fake HubSpot at {hubspot.url} (token {TOKEN}), {arguments.contacts} contacts; Ctrl-C stops it")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        hubspot.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
