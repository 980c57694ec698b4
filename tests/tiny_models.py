"""Tiny transformers models with random weights (nothing downloaded), for tests and benchmarks."""

from __future__ import annotations

import torch


def gpt2(layers: int = 12) -> torch.nn.Module:
    """A GPT-2 language model with 32-wide embeddings and a 64-token vocabulary."""
    import transformers

    torch.manual_seed(0)
    config = transformers.GPT2Config(
        n_layer=layers,
        n_embd=32,
        n_head=2,
        n_positions=16,
        vocab_size=64,
        bos_token_id=0,
        eos_token_id=0,
        attn_implementation="eager",
    )
    return transformers.GPT2LMHeadModel(config)


def bert(layers: int = 4) -> torch.nn.Module:
    import transformers

    torch.manual_seed(0)
    config = transformers.BertConfig(
        num_hidden_layers=layers,
        hidden_size=32,
        num_attention_heads=2,
        intermediate_size=64,
        vocab_size=64,
        max_position_embeddings=16,
        attn_implementation="eager",
    )
    return transformers.BertModel(config)


def albert(layers: int) -> torch.nn.Module:
    """One layer's weights shared by all ``layers`` layers."""
    import transformers

    torch.manual_seed(0)
    config = transformers.AlbertConfig(
        num_hidden_layers=layers,
        hidden_size=32,
        embedding_size=16,
        num_attention_heads=2,
        intermediate_size=64,
        vocab_size=64,
        max_position_embeddings=16,
        attn_implementation="eager",
    )
    return transformers.AlbertModel(config)
