namespace TrackTrace.Domain.ColdChain;

/// <summary>
/// Mean kinetic temperature (MKT): the one constant temperature that would age the goods as much as
/// the series did, by the Arrhenius equation:
/// MKT = (ΔH/R) / (−ln(Σ e^(−ΔH/(R·Tᵢ)) / n)) − 273.15, with Tᵢ in kelvin.
/// Warm readings weigh exponentially more than cold ones, so a short warm spell moves the MKT far
/// more than it moves the arithmetic mean.
/// </summary>
/// <remarks>
/// Every reading weighs the same: this assumes regular sampling. A sensor that reports more often
/// during an excursion pulls the MKT towards the excursion.
/// </remarks>
public static class MeanKineticTemperature
{
    /// <summary>ΔH, the activation energy, in J/mol: the conventional 83.144 kJ/mol.</summary>
    public const double ActivationEnergy = 83_144;

    /// <summary>R, the gas constant, in J/(mol·K).</summary>
    public const double GasConstant = 8.3144598;

    private const double KelvinAtZeroCelsius = 273.15;

    // ΔH/R, about 10,000 K; the formula only ever uses the ratio.
    private const double ActivationTemperature = ActivationEnergy / GasConstant;

    /// <summary>One reading's term of the sum: e^(−ΔH/(R·T)), T in kelvin.</summary>
    public static double ArrheniusFactor(double celsius) =>
        Math.Exp(-ActivationTemperature / (celsius + KelvinAtZeroCelsius));

    /// <summary>The MKT in °C from the sum of <paramref name="count"/> Arrhenius factors; null without readings.</summary>
    public static double? FromSum(double sumOfFactors, int count) =>
        count == 0 ? null : ActivationTemperature / -Math.Log(sumOfFactors / count) - KelvinAtZeroCelsius;

    /// <summary>The MKT in °C of equally weighted readings; null when there are none.</summary>
    public static double? Of(IEnumerable<double> celsius)
    {
        var sum = 0.0;
        var count = 0;
        foreach (var reading in celsius)
        {
            sum += ArrheniusFactor(reading);
            count++;
        }

        return FromSum(sum, count);
    }
}
