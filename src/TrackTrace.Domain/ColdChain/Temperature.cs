namespace TrackTrace.Domain.ColdChain;

/// <summary>What a thermometer on a shipment can plausibly report; anything else is a broken sensor or a typo.</summary>
public static class Temperature
{
    public const double MinCelsius = -100;
    public const double MaxCelsius = 100;

    public const string Rule = "a finite temperature between -100 and 100 °C";

    public static bool IsPlausible(double celsius) => double.IsFinite(celsius) && celsius is >= MinCelsius and <= MaxCelsius;
}
