"""Collection request bodies."""

from pydantic import BaseModel, ConfigDict, Field


class CollectRequest(BaseModel):
    """Which series a collection run takes: all with a source, a tag's, or some keys."""

    model_config = ConfigDict(extra="forbid")

    tag: str | None = Field(None, description="Only the series with this tag.", examples=["b3"])
    keys: list[str] | None = Field(
        None,
        description="Only these series (with a tag too: those of them that have it).",
        examples=[["PETR4.SA", "VALE3.SA"]],
    )
