import os
import signal
import subprocess
import sys

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
        parser.add_argument("--language", choices=[code for code, _name in settings.LANGUAGES],
                            default=settings.LANGUAGE_CODE,
                            help="Language of the demo's pipelines, stages and policies (default: en).")
        parser.add_argument(
            "--no-worker", action="store_true",
            help="Do not start the background worker and scheduler (run `tillit db_worker`, `tillit scheduler`).",
        )

    def handle(self, *args, host, port, threads, no_demo, no_worker, language, **options):
        call_command("migrate", interactive=False, verbosity=0)
        if not no_demo and not get_user_model().objects.exists():
            self.stdout.write("Empty database: loading demo data (tillit demo) …")
            call_command("demo", language=language)
        from waitress import serve

        from tillit.wsgi import application

        db = settings.DATABASES["default"]
        self.stdout.write(
            self.style.SUCCESS(f"Tillit is running at http://{host}:{port}/")
            + f"  (database: {db['ENGINE'].rsplit('.', 1)[-1]} {db['NAME']}; Ctrl+C to stop)"
        )
        self.stdout.write("Demo log-in: admin / tillit-demo (also: sara, lars, mette, ingrid — same password)")
        workers = [] if no_worker else self.start_workers()
        # `kill` (SIGTERM) stops serve like Ctrl+C does, so the worker is stopped with it.
        signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(0))
        try:
            serve(application, host=host, port=port, threads=threads, ident="Tillit")
        finally:
            for worker in workers:
                self.stop_worker(worker)

    def start_workers(self) -> list[subprocess.Popen]:
        """The background worker (imports, emails, escalations) and the scheduler that enqueues the
        periodic tasks, as child processes of this one."""
        env = {**os.environ, "TILLIT_DATA_DIR": str(settings.DATA_DIR)}
        worker = subprocess.Popen(
            # Quiet unless asked: periodic tasks run every minute. Failures are kept with their traceback
            # in the task results (Administration → Django tasks); TILLIT_WORKER_VERBOSITY=1 logs every run.
            [sys.executable, "-m", "tillit.cli", "db_worker", "--no-reload", "--interval", "1",
             "--verbosity", os.environ.get("TILLIT_WORKER_VERBOSITY", "0")], env=env,
        )
        scheduler = subprocess.Popen([sys.executable, "-m", "tillit.cli", "scheduler"], env=env)
        self.stdout.write(f"Background worker started (pid {worker.pid}), scheduler (pid {scheduler.pid}).")
        return [worker, scheduler]

    @staticmethod
    def stop_worker(worker: subprocess.Popen) -> None:
        if worker.poll() is not None:
            return
        worker.terminate()  # the worker finishes the task it is running, then exits
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
