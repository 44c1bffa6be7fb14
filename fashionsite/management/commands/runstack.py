"""Run the whole app on one machine: web server, a real Celery worker, broker and database."""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from fashionsite.broker import choose_broker
from fashionsite.celery import worker_argv


class Command(BaseCommand):
    help = "Migrate, load the demo closet, then run gunicorn and a Celery worker (queues default, gpu)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument(
            "--concurrency", type=int, default=int(os.environ.get("WORKER_CONCURRENCY", os.cpu_count() or 1))
        )
        parser.add_argument("--no-demo", action="store_true")

    def handle(self, *args, port, host, concurrency, no_demo, **options):
        configured = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
        broker, how, redis_proc = choose_broker(configured, settings.VAR_DIR)
        self.stdout.write(f"broker: {broker} ({how})")
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        if not no_demo:
            call_command("seed_demo")
        env = {**os.environ, "CELERY_BROKER_URL": broker}
        children = [
            subprocess.Popen(worker_argv(concurrency=concurrency, name=f"worker-{os.getpid()}@%h"), env=env),
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "fashionsite.wsgi",
                    "--bind",
                    f"{host}:{port}",
                    "--workers",
                    "2",
                    "--threads",
                    "4",
                    "--timeout",
                    "120",
                    "--access-logfile",
                    "-",
                ],
                env=env,
            ),
        ]
        if redis_proc:
            children.append(redis_proc)
        self.stdout.write(self.style.SUCCESS(f"fashionsite is running at http://{host}:{port}/  (Ctrl-C stops it)"))

        def stop(*_):
            for child in children:
                if child.poll() is None:
                    child.send_signal(signal.SIGTERM)
            for child in children:
                try:
                    child.wait(20)
                except subprocess.TimeoutExpired:
                    child.kill()
            sys.exit(0)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        while all(child.poll() is None for child in children):
            time.sleep(1)
        self.stderr.write("a child process exited; stopping the stack")
        stop()
