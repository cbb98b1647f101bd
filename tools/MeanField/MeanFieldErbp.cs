using Neuromorphic.Neurons;
using Neuromorphic.Simulator.Data;
using Neuromorphic.Simulator.Engine;

namespace Neuromorphic.MeanField;

/// <summary>
/// Settings of the mean-field eRBP model: the simulator's own <see cref="SimulationConfig"/> (neurons, encoder,
/// rule, gates, label and error weights, initialisation scales, blank-out, seed, sample timing) plus what only a
/// rate model has: the number of pieces a sample's learning window is cut into and the standard deviation of the
/// Gaussian noise the f-I curve is averaged over.
/// </summary>
public sealed record MeanFieldSettings
{
    /// <summary>The network's parameters; the tool's default halves eta each epoch (the main job's schedule).</summary>
    public SimulationConfig Config { get; init; } = new() { EtaDecayPerEpoch = 0.5 };
    public int Hidden { get; init; } = 200;
    public int Epochs { get; init; } = 4;
    public int TrainSamples { get; init; } = 50_000;
    /// <summary>Rate the true class is trained towards; NaN: the label neuron's rate.</summary>
    public double TargetRateHz { get; init; } = double.NaN;
    public int SubSteps { get; init; } = 10;
    public double NoiseSigmaMv { get; init; }
}

/// <summary>
/// The eRBP network of this simulator in the mean-field (firing-rate) limit: every spike train is replaced by
/// its rate, every synaptic current by its mean (rate x weight x tau_syn), every neuron by its f-I curve, and
/// the error neurons by their rates 0.9 x (label - prediction)+ and 0.9 x (prediction - label)+. The weight
/// update keeps the rule's form: presynaptic rate x eta x dendritic potential, gated on the postsynaptic
/// current, integrated over the learning window in <see cref="MeanFieldSettings.SubSteps"/> pieces so that a
/// sample's own learning changes its error within the sample, as it does in the spiking network.
/// It has no spike noise and no spike timing; what it shares with the simulator is the rule and the neurons'
/// rate functions. It exists to tell whether an accuracy limit belongs to the rule or to the spiking dynamics
/// (docs/results.md, session 5).
/// </summary>
public static class MeanFieldErbp
{
    /// <summary>Steady firing rate (Hz) of the simulator's LIF neuron for a constant synaptic current
    /// (<see cref="TwoCompartmentLif.SteadyRateHz"/>: the simulated period on the step grid).</summary>
    public static double LifRateHz(double currentMv, in LifParameters p, double dtMs) => TwoCompartmentLif.SteadyRateHz(currentMv, p, dtMs);

    /// <summary>Rate (Hz) of a data neuron for a pixel byte, dead time included (<see cref="InputEncoders.SteadyRateHz"/>).</summary>
    public static double DataRateHz(int pixelByte, in EncoderParameters p, double dtMs) => InputEncoders.SteadyRateHz(pixelByte, p, dtMs);

    /// <summary>Rate (Hz) of the true class's label neuron.</summary>
    public static double LabelRateHz(in EncoderParameters p, double dtMs) => InputEncoders.SteadyLabelRateHz(p, dtMs);
}

/// <summary>A tabulated f-I curve, optionally averaged over Gaussian noise of the current (sigma in mV).</summary>
public sealed class RateTable
{
    const double LowMv = -4000, StepMv = 0.5;
    readonly double[] _rate;
    readonly LifParameters _p;
    readonly double _dtMs;

    public RateTable(in LifParameters p, double dtMs, double sigmaMv)
    {
        _p = p; _dtMs = dtMs;
        _rate = new double[(int)((8000 - LowMv) / StepMv) + 1];
        for (int t = 0; t < _rate.Length; t++)
        {
            double i0 = LowMv + t * StepMv;
            if (sigmaMv == 0) { _rate[t] = MeanFieldErbp.LifRateHz(i0, p, dtMs); continue; }
            double sum = 0, weights = 0;
            for (int q = -40; q <= 40; q++)
            {
                double z = q / 10.0, w = Math.Exp(-z * z / 2);
                sum += w * MeanFieldErbp.LifRateHz(i0 + sigmaMv * z, p, dtMs);
                weights += w;
            }
            _rate[t] = sum / weights;
        }
    }

    public double this[double currentMv]
    {
        get
        {
            double u = (currentMv - LowMv) / StepMv;
            if (u <= 0) return _rate[0];
            if (u >= _rate.Length - 1) return MeanFieldErbp.LifRateHz(currentMv, _p, _dtMs);
            int t = (int)u;
            double f = u - t;
            return _rate[t] * (1 - f) + _rate[t + 1] * f;
        }
    }
}

/// <summary>One network: weights in mV, trained and tested in the mean-field limit.</summary>
public sealed class MeanFieldNetwork
{
    readonly MeanFieldSettings _s;
    readonly int _h;
    readonly float[] _w, _v, _g;           // input->hidden [784 x H], hidden->output [H x 10], feedback [H x 10]
    readonly float[] _x = new float[784], _ih, _rh, _io = new float[10], _ro = new float[10], _uh;
    readonly int[] _active = new int[784];
    int _nActive;
    readonly float[] _pixelRate = new float[256];
    readonly RateTable _fHidden, _fOutput;
    readonly double _tauSynHiddenS, _tauSynOutputS, _tauDendHiddenS, _tauDendOutputS, _targetHz;
    readonly (double Low, double High) _gateHidden, _gateOutput;

    public MeanFieldNetwork(MeanFieldSettings s)
    {
        _s = s; _h = s.Hidden;
        _w = new float[784 * _h]; _v = new float[_h * 10]; _g = new float[_h * 10];
        _ih = new float[_h]; _rh = new float[_h]; _uh = new float[_h];
        var c = s.Config;
        c.Validate();
        _tauSynHiddenS = c.Hidden.TauSynapseMs * 1e-3; _tauDendHiddenS = c.Hidden.TauDendriteMs * 1e-3;
        _tauSynOutputS = c.Output.TauSynapseMs * 1e-3; _tauDendOutputS = c.Output.TauDendriteMs * 1e-3;
        _targetHz = double.IsNaN(s.TargetRateHz) ? MeanFieldErbp.LabelRateHz(c.Encoder, c.DtMs) : s.TargetRateHz;
        _fHidden = new RateTable(c.Hidden, c.DtMs, s.NoiseSigmaMv);
        _fOutput = c.Output == c.Hidden ? _fHidden : new RateTable(c.Output, c.DtMs, s.NoiseSigmaMv);
        _gateHidden = ErbpNetwork.GateMv(c, 1);
        _gateOutput = ErbpNetwork.GateMv(c, 2);
        for (int b = 0; b < 256; b++) _pixelRate[b] = (float)(MeanFieldErbp.DataRateHz(b, c.Encoder, c.DtMs) * c.TransmissionProbability);
        // Initialisation as the simulator's (MODEL.md section 4), from System.Random: a different draw, same law.
        var rng = new Random((int)c.Seed);
        double b1 = 1000 * Math.Sqrt(c.InitScale / (794 + _h)), b2 = 1000 * Math.Sqrt(c.InitScale / (_h + 10));
        double a = 1000 * Math.Sqrt(c.FeedbackScale / (10 + _h));
        for (int i = 0; i < _w.Length; i++) _w[i] = (float)((rng.NextDouble() * 2 - 1) * b1);
        for (int i = 0; i < _v.Length; i++) _v[i] = (float)((rng.NextDouble() * 2 - 1) * b2);
        for (int i = 0; i < _h; i++)
        {
            double mean = 0;
            for (int k = 0; k < 10; k++) { _g[i * 10 + k] = (float)((rng.NextDouble() * 2 - 1) * a); mean += _g[i * 10 + k]; }
            for (int k = 0; k < 10; k++) _g[i * 10 + k] -= (float)(mean / 10);
        }
    }

    /// <summary>Fraction of hidden neurons whose current lay inside the gate in the last <see cref="Test"/>.</summary>
    public double HiddenInsideGate { get; private set; }

    void Load(ReadOnlySpan<byte> image)
    {
        _nActive = 0;
        for (int j = 0; j < 784; j++)
        {
            _x[j] = _pixelRate[image[j]];
            if (_x[j] > 0) _active[_nActive++] = j;
        }
    }

    void Forward()
    {
        Array.Clear(_ih);
        for (int a = 0; a < _nActive; a++)
        {
            int j = _active[a];
            float xs = (float)(_x[j] * _tauSynHiddenS);
            var row = _w.AsSpan(j * _h, _h);
            for (int i = 0; i < _h; i++) _ih[i] += xs * row[i];
        }
        double p = _s.Config.TransmissionProbability;
        for (int i = 0; i < _h; i++) _rh[i] = (float)(_fHidden[_ih[i]] * p);
        Array.Clear(_io);
        for (int i = 0; i < _h; i++)
        {
            if (_rh[i] == 0) continue;
            float hs = (float)(_rh[i] * _tauSynOutputS);
            for (int k = 0; k < 10; k++) _io[k] += hs * _v[i * 10 + k];
        }
        for (int k = 0; k < 10; k++) _ro[k] = (float)_fOutput[_io[k]];
    }

    /// <summary>The simulator's readout: most prediction spikes (highest rate); a tie goes to the larger current.</summary>
    int Predict()
    {
        int best = 0;
        for (int k = 1; k < 10; k++)
            if (_ro[k] > _ro[best] || (_ro[k] == _ro[best] && _io[k] > _io[best])) best = k;
        return best;
    }

    /// <summary>One training sample; returns whether it was classified right before it was learnt.</summary>
    public bool Learn(ReadOnlySpan<byte> image, int label, double eta)
    {
        Load(image);
        var c = _s.Config;
        double windowS = (c.SampleMs - c.Erbp.OnsetMs) * 1e-3, pieceS = windowS / _s.SubSteps;
        double errorGain = c.LabelWeightMv / c.Error.ThresholdMv;   // an error neuron fires 0.9 times the rate difference
        bool right = false;
        Span<float> e = stackalloc float[10];
        for (int piece = 0; piece < _s.SubSteps; piece++)
        {
            Forward();
            if (piece == 0) right = Predict() == label;
            for (int k = 0; k < 10; k++) e[k] = (float)(errorGain * ((k == label ? _targetHz : 0) - _ro[k]));
            // Output layer: dendrite U = w_E (E+ - E-) tau_U, gated on the prediction neuron's current.
            for (int k = 0; k < 10; k++)
            {
                if (!(_io[k] > _gateOutput.Low && _io[k] < _gateOutput.High)) continue;
                float dw = (float)(eta * c.ErrorWeightMv * e[k] * _tauDendOutputS * pieceS);
                for (int i = 0; i < _h; i++) if (_rh[i] > 0) _v[i * 10 + k] += dw * _rh[i];
            }
            // Hidden layer: dendrite U = sum_k G[i,k] (E+_k - E-_k) tau_U, gated on the hidden current.
            for (int i = 0; i < _h; i++)
            {
                double u = 0;
                for (int k = 0; k < 10; k++) u += _g[i * 10 + k] * e[k];
                _uh[i] = _ih[i] > _gateHidden.Low && _ih[i] < _gateHidden.High ? (float)(eta * u * _tauDendHiddenS * pieceS) : 0f;
            }
            for (int a = 0; a < _nActive; a++)
            {
                int j = _active[a];
                float xj = _x[j];
                var row = _w.AsSpan(j * _h, _h);
                for (int i = 0; i < _h; i++) row[i] += xj * _uh[i];
            }
        }
        return right;
    }

    /// <summary>Accuracy on digits [first, first + count) of a set.</summary>
    public double Test(IdxImageSet set, int first, int count)
    {
        int right = 0;
        long inside = 0;
        for (int n = first; n < first + count; n++)
        {
            Load(set.Image(n));
            Forward();
            if (Predict() == set.Labels[n]) right++;
            for (int i = 0; i < _h; i++) if (_ih[i] > _gateHidden.Low && _ih[i] < _gateHidden.High) inside++;
        }
        HiddenInsideGate = inside / (double)count / _h;
        return right / (double)count;
    }
}
