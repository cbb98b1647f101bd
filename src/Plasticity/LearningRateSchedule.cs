namespace Neuromorphic.Plasticity;

/// <summary>How the learning rate changes from epoch to epoch.</summary>
public enum ScheduleKind
{
    /// <summary>eta * decay^e (decay 1 = constant): the per-epoch decay of earlier versions.</summary>
    Exponential = 0,
    /// <summary>Cosine annealing from eta at epoch 0 to the floor at the last epoch of the schedule.</summary>
    Cosine = 1,
    /// <summary>eta / (1 + e): the 1/t schedule of stochastic approximation.</summary>
    InverseTime = 2,
}

/// <summary>
/// A per-epoch learning-rate schedule. The rate of epoch e (from 0) is
/// <code>
///   exponential:  eta * decay^e
///   cosine:       floor + (eta - floor) * (1 + cos(pi * e / (E - 1))) / 2      (E = epochs of the schedule)
///   1/t:          eta / (1 + e)
/// </code>
/// and never below the floor, eta * <see cref="FloorFraction"/>. The schedule is part of the model's configuration,
/// so a resumed run continues it exactly (E is fixed when training starts, not by a resumed run's --epochs).
/// </summary>
/// <param name="Kind">The shape.</param>
/// <param name="DecayPerEpoch">exponential: factor per epoch, in (0, 1].</param>
/// <param name="FloorFraction">The rate never falls below this fraction of eta (0 = no floor), in [0, 1].</param>
/// <param name="Epochs">cosine: the epoch count over which the rate falls to the floor (0 = the run's --epochs).</param>
public readonly record struct LearningRateSchedule(
    ScheduleKind Kind = ScheduleKind.Exponential,
    double DecayPerEpoch = 1.0,
    double FloorFraction = 0.0,
    int Epochs = 0)
{
    public LearningRateSchedule() : this(Kind: ScheduleKind.Exponential) { }

    /// <summary>The learning rate of epoch <paramref name="epoch"/> (from 0), given eta.</summary>
    public double At(double eta, int epoch)
    {
        double floor = eta * FloorFraction;
        double rate = Kind switch
        {
            ScheduleKind.Cosine => Epochs <= 1 ? eta
                : floor + (eta - floor) * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epoch, Epochs - 1) / (Epochs - 1))),
            ScheduleKind.InverseTime => eta / (1 + epoch),
            _ => eta * Math.Pow(DecayPerEpoch, epoch),
        };
        return Math.Max(rate, floor);
    }

    public void Validate(string where)
    {
        if (!Enum.IsDefined(Kind)) throw new ArgumentException($"{where}: schedule kind {(int)Kind} is not one of "
            + $"exponential (0), cosine (1), 1/t (2)");
        if (!(DecayPerEpoch > 0 && DecayPerEpoch <= 1)) throw new ArgumentException($"{where}: eta decay per epoch must lie in "
            + $"(0, 1], got {DecayPerEpoch}");
        if (!(FloorFraction >= 0 && FloorFraction <= 1)) throw new ArgumentException($"{where}: eta floor must lie in [0, 1] (a fraction "
            + $"of eta), got {FloorFraction}");
        if (Epochs < 0 || Epochs > 1_000_000) throw new ArgumentException($"{where}: schedule epochs must lie in 0..1000000, got {Epochs}");
    }
}
