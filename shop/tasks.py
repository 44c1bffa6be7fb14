from celery import shared_task

from shop import services


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_prepare_task(import_id: int) -> None:
    """Read and check a catalogue file, then queue its chunks (a redelivery finds them queued)."""
    services.catalog_import_prepare(import_id=import_id)


@shared_task(acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def import_chunk_task(import_id: int, chunk_no: int, rows: list[dict]) -> None:
    """Process one chunk of products on a `gpu` worker; a chunk already committed is skipped."""
    services.catalog_chunk_run(import_id=import_id, chunk_no=chunk_no, rows=rows)
