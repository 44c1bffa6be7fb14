import pgvector.django
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("closet", "0008_garment_attributes"),
    ]

    operations = [
        migrations.AddField(
            model_name="garment",
            name="product_embedding",
            field=pgvector.django.VectorField(blank=True, dimensions=1280, null=True),
        ),
    ]
