from django.core.management.base import BaseCommand

from tillit.core.schedule import run_forever


class Command(BaseCommand):
    help = "Enqueue the periodic background tasks (SLA escalation, reminders, …) when they are due."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Enqueue everything once and exit.")

    def handle(self, *args, once, **options):
        run_forever(once=once)
