"""all-MiniLM-L6-v2 in plain PyTorch: reference values come from sentence-transformers 6.2.0 on the same wheel."""

import numpy as np
import pytest

from ml.text_encoder import load_text_encoder


@pytest.fixture(scope="module")
def encoder():
    return load_text_encoder()


def test_similar_garments_are_closer_than_unrelated_ones(encoder):
    navy, dark_blue, boots = encoder.encode(["navy blue cotton shirt", "dark blue shirt", "black leather boots"])
    assert navy @ dark_blue > navy @ boots + 0.2
    assert navy @ dark_blue > dark_blue @ boots + 0.2


def test_embeddings_are_float32_unit_vectors_of_384_dims(encoder):
    emb = encoder.encode(["pleated skirt", "", "a very long description " * 200])
    assert emb.shape == (3, 384) and emb.dtype == np.float32
    assert np.allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)


def test_an_embedding_does_not_depend_on_its_batch(encoder):
    texts = ["navy blue cotton shirt", "asos temple shoe boots with a block heel and a side zip", "clutch"]
    together = encoder.encode(texts, batch_size=64)
    alone = np.concatenate([encoder.encode([t]) for t in texts])
    in_pairs = encoder.encode(texts, batch_size=2)
    assert np.allclose(together, alone, atol=1e-5)
    assert np.allclose(together, in_pairs, atol=1e-5)


def test_it_matches_sentence_transformers_reference_values(encoder):
    emb = encoder.encode(["navy blue cotton shirt", "Café crème — naïve résumé!"])
    assert np.allclose(emb[0, :6], [-0.090086, 0.041033, 0.001169, 0.022381, 0.076479, 0.017077], atol=1e-5)
    assert np.allclose(emb[1, :6], [-0.05186, -0.041577, 0.039748, 0.033987, 0.033444, 0.062211], atol=1e-5)


def test_tokenizer_strips_accents_and_splits_punctuation_like_bert_uncased(encoder):
    ids = encoder.tokenizer.encode("Café crème — naïve résumé!", max_length=256)
    assert ids == [101, 7668, 13675, 21382, 1517, 15743, 13746, 999, 102]


def test_the_encoder_is_loaded_once_per_process(encoder):
    assert load_text_encoder() is encoder
