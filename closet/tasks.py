from celery import shared_task

from closet import services
from fashionsite.queues import Queue


@shared_task(queue=Queue.GPU, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def ingest_photo_task(job_id: int) -> None:
    """Process one uploaded photo. Idempotent: the job claim makes duplicates and redeliveries no-ops."""
    try:
        services.job_run(job_id=job_id)
    except services.JobNotClaimed:
        pass
