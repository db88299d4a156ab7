from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Migrate the database, load demo data on first run, and serve Tillit (waitress)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-demo", action="store_true", help="Do not load demo data into an empty database.")

    def handle(self, *args, host, port, threads, no_demo, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo and not get_user_model().objects.exists():
            self.stdout.write("Empty database: loading demo data (tillit demo) …")
            call_command("demo")
        from waitress import serve

        from tillit.wsgi import application

        db = settings.DATABASES["default"]
        self.stdout.write(
            self.style.SUCCESS(f"Tillit is running at http://{host}:{port}/")
            + f"  (database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}; Ctrl+C to stop)"
        )
        self.stdout.write("Demo log-in: admin / tillit-demo (also: sara, lars, mette, ingrid — same password)")
        serve(application, host=host, port=port, threads=threads, ident="Tillit")
