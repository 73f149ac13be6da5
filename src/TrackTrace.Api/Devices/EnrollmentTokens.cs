using System.Security.Cryptography;
using System.Text;
using TrackTrace.Domain.Devices;

namespace TrackTrace.Api.Devices;

/// <summary>A token as shown once to the admin who asked for it, and what is stored of it.</summary>
public sealed record IssuedEnrollmentToken(string Token, NewEnrollmentToken Stored);

/// <summary>
/// One-time enrollment tokens: 32 random bytes, base64url without padding (43 characters, safe in a
/// Basic credential and a shell). Only their SHA-256 is stored; 256 bits cannot be guessed, and the
/// decider voids a token after a few wrong tries anyway.
/// </summary>
public static class EnrollmentTokens
{
    public const int RandomBytes = 32;

    public static IssuedEnrollmentToken New(DateTimeOffset now, TimeSpan lifetime)
    {
        var token = Base64Url(RandomNumberGenerator.GetBytes(RandomBytes));
        return new IssuedEnrollmentToken(token, new NewEnrollmentToken(Hash(token), now + lifetime));
    }

    /// <summary>SHA-256 of the token's text, lowercase hex: what is stored, and what a presented token is compared with.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
