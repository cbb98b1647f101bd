using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Neuromorphic.Simulator.Engine;

public enum BackendKind { Auto, Cpu, Cuda, IlgpuCpu }

/// <summary>Backend selection: `--backend auto|cpu|cuda|ilgpu-cpu`. auto picks CUDA when a device is
/// present, else the native CPU path (ILGPU's CPU accelerator is an emulator, for tests).</summary>
public static class Backends
{
    public static BackendKind Parse(string text) => text.Trim().ToLowerInvariant() switch
    {
        "auto" => BackendKind.Auto,
        "cpu" => BackendKind.Cpu,
        "cuda" => BackendKind.Cuda,
        "ilgpu-cpu" => BackendKind.IlgpuCpu,
        _ => throw NeuromorphicException.ForField(RunFields.Backend, f => $"{f} '{text}': unknown backend; expected auto, cpu, cuda or ilgpu-cpu"),
    };

    public static string Name(BackendKind kind) => kind switch
    {
        BackendKind.Cpu => "cpu",
        BackendKind.Cuda => "cuda",
        BackendKind.IlgpuCpu => "ilgpu-cpu",
        _ => "auto",
    };

    /// <summary>True when ILGPU sees a CUDA device.</summary>
    public static bool CudaAvailable()
    {
        try
        {
            using var ctx = Context.Create(b => b.Cuda());
            return ctx.GetCudaDevices().Count > 0;
        }
        catch (Exception) { return false; }
    }

    public static BackendKind Resolve(BackendKind kind) => kind == BackendKind.Auto ? (CudaAvailable() ? BackendKind.Cuda : BackendKind.Cpu) : kind;

    public static SimulationEngine Create(BackendKind kind, Network net, SimulationConfig config, int batch, string batchField = RunFields.Batch)
    {
        CheckBatchMemory(net, config, batch, batchField);
        kind = Resolve(kind);
        if (config.Family == ModelFamily.SynapticSampling)
            return kind == BackendKind.Cpu ? new S2m.S2mCpuEngine(net, config, batch) : new S2m.S2mIlgpuEngine(net, config, batch, kind);
        return kind == BackendKind.Cpu ? new CpuEngine(net, config, batch) : new IlgpuEngine(net, config, batch, kind);
    }

    /// <summary>Bytes of state one lane (one sample of a batch) holds per neuron: five float and five int arrays and
    /// three 64-bit arrays in <see cref="CpuEngine"/> (the ILGPU engines hold less on the device, and host mirrors).</summary>
    public const int LaneBytesPerNeuron = 64;

    /// <summary>The memory that <paramref name="batch"/> lanes of <paramref name="net"/> need, estimated from its sizes,
    /// against what the process may use (three quarters of the available memory, less the weights): refused, with the
    /// largest batch that fits, before anything is allocated.</summary>
    public static void CheckBatchMemory(Network net, SimulationConfig config, int batch, string batchField = RunFields.Batch)
    {
        long neurons = net.Populations.Sum(p => (long)p.Size);
        long perLane = neurons * LaneBytesPerNeuron + net.Layers[0] + 64L * net.Classes + 256;
        if (config.Rule != RuleKind.None && config.BatchUpdate == Neuromorphic.Plasticity.BatchUpdateMode.PerSample)
            perLane += net.Projections.Where(p => p.Plastic).Sum(p => (long)p.Weights.Length * sizeof(float)); // a weight copy per lane
        long weights = net.Projections.Sum(p => (long)p.Weights.Length * sizeof(float));
        long available = Math.Min(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, AddressSpaceLeft());
        long budget = available / 4 * 3 - weights;
        if ((double)batch * perLane <= budget) return;
        long fits = Math.Max(0, budget / perLane);
        throw NeuromorphicException.ForField(batchField, f => $"{f} {batch}: the lanes of {Architecture.Format(net.Layers)} need about "
            + $"{batch * (double)perLane / (1L << 30):F1} GiB ({perLane:N0} bytes per sample), " +
            $"more than the {Math.Max(0, budget) / (double)(1L << 30):F1} GiB this process may use ({available / (double)(1L << 30):F1} GiB "
                + $"available); the largest {f} that fits is {fits:N0}");
    }

    /// <summary>The bytes this process may still map under its address-space limit (`ulimit -v`, RLIMIT_AS, common on
    /// clusters; the GC's figure of available memory ignores it): the soft limit less what is mapped now.
    /// <see cref="long.MaxValue"/> without a limit or where it cannot be read.</summary>
    public static long AddressSpaceLeft()
    {
        if (!OperatingSystem.IsLinux()) return long.MaxValue;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/limits"))
            {
                if (!line.StartsWith("Max address space", StringComparison.Ordinal)) continue;
                var soft = line["Max address space".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];
                if (!long.TryParse(soft, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture,
                    out long limit)) return long.MaxValue;
                using var self = System.Diagnostics.Process.GetCurrentProcess();
                return Math.Max(0, limit - self.VirtualMemorySize64);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return long.MaxValue;
    }

    internal static (Context, Accelerator) CreateAccelerator(BackendKind kind)
    {
        if (kind == BackendKind.Cuda)
        {
            Context? ctx = null;
            try
            {
                ctx = Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O2));
                var devices = ctx.GetCudaDevices();
                if (devices.Count == 0) throw NeuromorphicException.ForField(RunFields.Backend,
                    f => $"{f} cuda: no CUDA device found (run `neuromorphic devices`)");
                return (ctx, devices[0].CreateAccelerator(ctx));
            }
            catch (NeuromorphicException) { ctx?.Dispose(); throw; }
            catch (Exception e)
            {
                ctx?.Dispose(); string why = e.Message.Split('\n')[0]; throw NeuromorphicException.ForField(RunFields.Backend,
                f => $"{f} cuda: CUDA is not usable here ({why})");
            }
        }
        var cpuCtx = Context.Create(b => b.CPU(CPUDeviceKind.Default).Optimize(OptimizationLevel.O1));
        return (cpuCtx, cpuCtx.GetCPUDevice(0).CreateAccelerator(cpuCtx));
    }

    /// <summary>Every device ILGPU sees, plus the native CPU path.</summary>
    public static List<(string Backend, string Name, string Detail)> ListDevices()
    {
        var list = new List<(string, string, string)>
        {
            ("cpu", $"native CPU ({Environment.ProcessorCount} logical cores, "
                + $"{System.Runtime.Intrinsics.Vector256.IsHardwareAccelerated switch { true => "AVX2", false => "no AVX2" }})",
                "the CPU path of record"),
        };
        try
        {
            using var ctx = Context.Create(b => b.Default());
            foreach (var d in ctx)
            {
                string backend = d.AcceleratorType switch
                {
                    AcceleratorType.Cuda => "cuda",
                    AcceleratorType.CPU => "ilgpu-cpu",
                    _ => d.AcceleratorType.ToString().ToLowerInvariant()
                };
                string detail = d.AcceleratorType switch
                {
                    AcceleratorType.Cuda => $"{d.MemorySize / (1 << 20)} MiB, {d.NumMultiprocessors} SMs",
                    AcceleratorType.CPU => "ILGPU's CPU accelerator (emulator, for tests)",
                    _ => "seen by ILGPU, not offered as a backend",
                };
                list.Add((backend, d.Name, detail));
            }
        }
        catch (Exception e) { list.Add(("ilgpu", "unavailable", e.Message.Split('\n')[0])); }
        return list;
    }
}
