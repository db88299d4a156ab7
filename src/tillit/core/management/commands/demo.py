from datetime import date

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from tillit.demo.generator import (
    COMPANY,
    DEMO_PASSWORD,
    DEMO_USERS,
    database_has_data,
    delete_demo_data,
    load_demo,
)


class Command(BaseCommand):
    help = (
        f"Load realistic, deterministic Nordic demo data: {COMPANY}, a maker of heat pumps and solar systems "
        "selling in Norway, Sweden and Denmark — users, teams, organisations, persons and two years of "
        "interactions over every channel. Same --seed, same data."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=7, help="Random seed (default 7). Same seed → same data.")
        parser.add_argument("--persons", type=int, default=300, help="Number of persons (default 300).")
        parser.add_argument("--organizations", type=int, default=60, help="Number of organisations (default 60).")
        parser.add_argument("--interactions-per-person", type=int, default=40,
                            help="Mean number of interactions per person (default 40; skewed, some have many).")
        parser.add_argument("--reset", action="store_true",
                            help="Delete the demo's data first: its users (admin, sara, lars, mads, ingrid, mette, "
                                 "johan, erik), its teams, and persons and organisations on .example domains with "
                                 "their interactions. Other data is kept.")
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE,
                            help="Language of the demo's pipelines, stages, lost reasons and SLA policies "
                                 "(default: en).")
        parser.add_argument("--as-of", type=date.fromisoformat, default=None, metavar="YYYY-MM-DD",
                            help="Date the two years of history end on (default: today). Fix it to get the very "
                                 "same timestamps on another day.")

    def handle(self, *args, seed, persons, organizations, interactions_per_person, reset, as_of, language,
               **options):
        for name, value in (("--persons", persons), ("--organizations", organizations),
                            ("--interactions-per-person", interactions_per_person)):
            if value < 0:
                raise CommandError(f"{name} must be 0 or more.")
        if reset:
            self.stdout.write("Deleting the previous demo data …")
            delete_demo_data()
        elif database_has_data():
            raise CommandError(
                "The database is not empty (it has users, persons or organisations). The demo only loads into an "
                "empty database; run `tillit demo --reset` to delete the previous demo data first."
            )
        self.stdout.write(f"Loading demo data for {COMPANY} (seed {seed}) …")
        summary = load_demo(seed=seed, persons=persons, organizations=organizations,
                            interactions_per_person=interactions_per_person, today=as_of, language=language,
                            log=lambda msg: self.stdout.write(f"  {msg}"))
        self.stdout.write(self.style.SUCCESS(
            f"Loaded in {summary.seconds:.1f} s: {summary.users} users in {summary.teams} teams, "
            f"{summary.organizations} organisations, {summary.persons} persons (incl. {summary.duplicates} likely "
            f"duplicates to merge), {summary.identities} emails/phones/ids, {summary.affiliations} roles, "
            f"{summary.consents} consents, {summary.interactions} interactions"
            + "".join(f", {count} {label}" for label, count in summary.extra.items()) + "."
        ))
        self.stdout.write("\nLog in with any of these users; the password is the same for all:")
        for u in DEMO_USERS:
            team = f", team {u.team}" if u.team else ""
            self.stdout.write(f"  {u.username:<8} {u.first_name} {u.last_name} ({u.role}{team})")
        self.stdout.write(self.style.SUCCESS(f"  password: {DEMO_PASSWORD}"))
