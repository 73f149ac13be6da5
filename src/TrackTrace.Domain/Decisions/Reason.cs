namespace TrackTrace.Domain.Decisions;

/// <summary>Why a person or system did something: kept in the audit trail, so it is required and bounded.</summary>
public static class Reason
{
    public const int MaxLength = 500;

    public const string Rule = "required: why (1-500 characters); it is kept in the audit trail";

    public static bool IsValid(string? reason) =>
        !string.IsNullOrWhiteSpace(reason) && reason.Trim().Length <= MaxLength;
}
