namespace TrackTrace.Pki;

/// <summary>
/// A PKI operation could not be done for a reason a person can fix (missing file, key that does
/// not match its certificate, file that would be overwritten). The message says what and where.
/// </summary>
public class PkiException : Exception
{
    public PkiException(string message)
        : base(message)
    {
    }

    public PkiException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
