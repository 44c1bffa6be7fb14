import pgvector.django
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("shop", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="product",
            name="product_embedding",
            field=pgvector.django.VectorField(blank=True, dimensions=1280, null=True),
        ),
    ]
