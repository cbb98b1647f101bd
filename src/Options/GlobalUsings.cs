global using System.CommandLine;
global using Neuromorphic.Simulator;
global using Neuromorphic.Simulator.Data;
global using Neuromorphic.Simulator.Engine;
global using Neuromorphic.Simulator.Files;
global using Neuromorphic.Simulator.Training;
global using static Neuromorphic.Cli.CommandLine;
